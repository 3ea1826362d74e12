package io.nodedns.plugin.template;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/**
 * A Go (RE2) regular expression as CoreDNS's template {@code match} takes it, compiled to a
 * {@link Pattern}. The syntaxes mostly agree; where they differ this rewrites or refuses:
 * {@code (?P<name>...)} and {@code (?<name>...)} become plain groups whose names are kept here
 * (Java names allow no underscore), POSIX classes {@code [[:alpha:]]} become {@code \p{Alpha}},
 * {@code [} and {@code &&} inside a class stay literal (Java would read a union or an
 * intersection), and what RE2 rejects is an error here too: backreferences, lookaround, atomic
 * groups, possessive quantifiers and the {@code U} flag.
 */
final class GoRegex {
    /** CoreDNS refuses longer patterns before compiling them. */
    static final int MAX_LENGTH = 10000;

    private static final Map<String, String> POSIX = Map.ofEntries(
            Map.entry("alnum", "Alnum"), Map.entry("alpha", "Alpha"), Map.entry("ascii", "ASCII"),
            Map.entry("blank", "Blank"), Map.entry("cntrl", "Cntrl"), Map.entry("digit", "Digit"),
            Map.entry("graph", "Graph"), Map.entry("lower", "Lower"), Map.entry("print", "Print"),
            Map.entry("punct", "Punct"), Map.entry("space", "Space"), Map.entry("upper", "Upper"),
            Map.entry("word", "Alnum_"), Map.entry("xdigit", "XDigit"));

    /** Letters and digits RE2 accepts after a backslash (octal only from \0 here; \1-\9 are backreferences). */
    private static final String GO_ESCAPES = "aftnrvxdDsSwWbBAzpPQE0";

    final String source;
    final Pattern pattern;
    /** Group index to its name, or null for unnamed groups; index 0 is the whole match. */
    final String[] groupNames;

    private GoRegex(String source, Pattern pattern, String[] groupNames) {
        this.source = source;
        this.pattern = pattern;
        this.groupNames = groupNames;
    }

    /** @throws IllegalArgumentException naming what Go or this translation refuses */
    static GoRegex compile(String re) {
        if (re.length() > MAX_LENGTH) {
            throw new IllegalArgumentException("regex pattern too long: " + re.length() + " > " + MAX_LENGTH);
        }
        StringBuilder out = new StringBuilder(re.length() + 8);
        List<String> names = new ArrayList<>();
        names.add(null);
        boolean inClass = false;
        int classStart = -1;
        int n = re.length();
        int i = 0;
        while (i < n) {
            char c = re.charAt(i);
            if (c == '\\') {
                if (i + 1 >= n) {
                    throw new IllegalArgumentException("trailing backslash at end of expression");
                }
                char d = re.charAt(i + 1);
                if (!inClass && d >= '1' && d <= '9') {
                    throw new IllegalArgumentException(
                            "invalid escape sequence: \\" + d + " (RE2 has no backreferences)");
                }
                if (d == 'Q') {
                    int end = re.indexOf("\\E", i + 2);
                    end = end < 0 ? n : end + 2;
                    out.append(re, i, end);
                    i = end;
                    continue;
                }
                if (Character.isLetterOrDigit(d) && GO_ESCAPES.indexOf(d) < 0) {
                    // Java knows more (\R, \h, \Z, \G...); RE2 refuses them, so CoreDNS would not load
                    throw new IllegalArgumentException("invalid escape sequence: \\" + d);
                }
                out.append(d == 'v' ? "\\x0B" : "\\" + d); // Java's \v is a class of vertical spaces
                i += 2;
                continue;
            }
            if (inClass) {
                if (c == '[' && re.startsWith("[:", i)) {
                    int end = re.indexOf(":]", i + 2);
                    if (end < 0) {
                        throw new IllegalArgumentException("missing closing ]: " + re.substring(i));
                    }
                    String name = re.substring(i + 2, end);
                    boolean negated = name.startsWith("^");
                    String java = POSIX.get(negated ? name.substring(1) : name);
                    if (java == null) {
                        throw new IllegalArgumentException("invalid character class range: [:" + name + ":]");
                    }
                    out.append(java.equals("Alnum_")
                            ? (negated ? "\\W" : "\\w")
                            : (negated ? "\\P{" : "\\p{") + java + "}");
                    i = end + 2;
                    continue;
                }
                if (c == ']' && i > classStart) {
                    inClass = false;
                    out.append(c);
                } else if (c == '[' || c == '&' || c == ']') {
                    out.append('\\').append(c); // literal in RE2; set operators in Java
                } else {
                    out.append(c);
                }
                i++;
                continue;
            }
            switch (c) {
                case '[' -> {
                    inClass = true;
                    out.append(c);
                    i++;
                    if (i < n && re.charAt(i) == '^') {
                        out.append('^');
                        i++;
                    }
                    classStart = i; // a ']' right here is a literal
                    continue;
                }
                case '(' -> {
                    if (re.startsWith("(?P<", i)
                            || (re.startsWith("(?<", i) && !re.startsWith("(?<=", i) && !re.startsWith("(?<!", i))) {
                        int start = re.indexOf('<', i) + 1;
                        int end = re.indexOf('>', start);
                        if (end < 0) {
                            throw new IllegalArgumentException("invalid named capture: " + re.substring(i));
                        }
                        String name = re.substring(start, end);
                        if (name.isEmpty()
                                || !name.chars().allMatch(ch -> Character.isLetterOrDigit(ch) || ch == '_')) {
                            throw new IllegalArgumentException("invalid named capture: " + re.substring(i, end + 1));
                        }
                        if (names.contains(name)) {
                            throw new IllegalArgumentException("duplicate capture group name: " + name);
                        }
                        names.add(name);
                        out.append('(');
                        i = end + 1;
                        continue;
                    }
                    if (re.startsWith("(?", i)) {
                        int j = i + 2;
                        while (j < n && "imsU-".indexOf(re.charAt(j)) >= 0) {
                            if (re.charAt(j) == 'U') {
                                throw new IllegalArgumentException(
                                        "the ungreedy flag (?U) is not supported in nodedns");
                            }
                            j++;
                        }
                        if (j >= n || (re.charAt(j) != ')' && re.charAt(j) != ':')) {
                            throw new IllegalArgumentException("invalid or unsupported Perl syntax: "
                                    + re.substring(i, Math.min(n, j + 1)));
                        }
                    } else {
                        names.add(null);
                    }
                    out.append(c);
                }
                case '*', '+', '?', '}' -> {
                    out.append(c);
                    if (i + 1 < n && re.charAt(i + 1) == '+') {
                        throw new IllegalArgumentException("invalid nested repetition operator: " + c + "+");
                    }
                }
                case '{' -> out.append(isRepeat(re, i) ? "{" : "\\{");
                default -> out.append(c);
            }
            i++;
        }
        if (inClass) {
            throw new IllegalArgumentException("missing closing ]");
        }
        try {
            Pattern p = Pattern.compile(out.toString());
            if (p.matcher("").groupCount() != names.size() - 1) {
                throw new IllegalArgumentException("unsupported group syntax");
            }
            return new GoRegex(re, p, names.toArray(new String[0]));
        } catch (PatternSyntaxException e) {
            throw new IllegalArgumentException(e.getDescription());
        }
    }

    /** {@code {n}}, {@code {n,}} or {@code {n,m}}; anything else is a literal brace in RE2. */
    private static boolean isRepeat(String re, int at) {
        int j = at + 1;
        int digits = 0;
        while (j < re.length() && Character.isDigit(re.charAt(j))) {
            j++;
            digits++;
        }
        if (digits == 0 || j >= re.length()) {
            return false;
        }
        if (re.charAt(j) == ',') {
            j++;
            while (j < re.length() && Character.isDigit(re.charAt(j))) {
                j++;
            }
        }
        return j < re.length() && re.charAt(j) == '}';
    }
}
