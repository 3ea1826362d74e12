package io.nodedns.k8stest;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * A Kubernetes label selector in the string form of {@code labels.Parse}: comma-ANDed requirements
 * {@code k=v}, {@code k==v}, {@code k!=v}, {@code k in (a,b)}, {@code k notin (a,b)}, {@code k},
 * {@code !k}, {@code k>1}, {@code k<1}. As in Kubernetes, {@code !=} and {@code notin} also match objects
 * without the label.
 */
public final class LabelSelector {
    private static final Pattern NAME = Pattern.compile("([A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?)");
    private static final Pattern DNS_SUBDOMAIN = Pattern
            .compile("[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*");
    private static final Pattern VALUE = Pattern.compile("(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?");

    enum Op {
        EXISTS, DOES_NOT_EXIST, EQUALS, NOT_EQUALS, IN, NOT_IN, GT, LT
    }

    record Requirement(String key, Op op, Set<String> values) {
        boolean matches(JsonObject labels) {
            JsonElement e = labels == null ? null : labels.get(key);
            boolean has = e != null && !e.isJsonNull();
            String v = has ? e.getAsString() : null;
            return switch (op) {
                case EXISTS -> has;
                case DOES_NOT_EXIST -> !has;
                case EQUALS, IN -> has && values.contains(v);
                case NOT_EQUALS, NOT_IN -> !has || !values.contains(v);
                case GT, LT -> has && compare(v);
            };
        }

        private boolean compare(String v) {
            long limit = Long.parseLong(values.iterator().next());
            try {
                long actual = Long.parseLong(v);
                return op == Op.GT ? actual > limit : actual < limit;
            } catch (NumberFormatException e) {
                return false;
            }
        }
    }

    private static final LabelSelector EVERYTHING = new LabelSelector(List.of());

    private final List<Requirement> requirements;

    private LabelSelector(List<Requirement> requirements) {
        this.requirements = List.copyOf(requirements);
    }

    public static LabelSelector everything() {
        return EVERYTHING;
    }

    public boolean isEverything() {
        return requirements.isEmpty();
    }

    /** Matches an object by its metadata.labels. */
    public boolean matches(JsonObject object) {
        if (requirements.isEmpty()) {
            return true;
        }
        JsonObject meta = object.getAsJsonObject("metadata");
        JsonObject labels = meta != null && meta.get("labels") instanceof JsonObject l ? l : null;
        for (Requirement r : requirements) {
            if (!r.matches(labels)) {
                return false;
            }
        }
        return true;
    }

    List<Requirement> requirements() {
        return requirements;
    }

    /** Parses the string form; throws {@link ApiError} 400 like the API server on a malformed selector. */
    public static LabelSelector parse(String text) {
        if (text == null || text.isBlank()) {
            return EVERYTHING;
        }
        Lexer lx = new Lexer(text);
        List<Requirement> out = new ArrayList<>();
        while (true) {
            out.add(requirement(lx, text));
            String t = lx.next();
            if (t == null) {
                return new LabelSelector(out);
            }
            if (!t.equals(",")) {
                throw error(text, "found '" + t + "', expected: ',' or 'end of string'");
            }
        }
    }

    private static Requirement requirement(Lexer lx, String text) {
        String t = lx.next();
        if (t == null) {
            throw error(text, "found 'end of string', expected: identifier");
        }
        if (t.equals("!")) {
            String key = key(lx.next(), text);
            return new Requirement(key, Op.DOES_NOT_EXIST, Set.of());
        }
        String key = key(t, text);
        String op = lx.peek();
        if (op == null || op.equals(",")) {
            return new Requirement(key, Op.EXISTS, Set.of());
        }
        lx.next();
        return switch (op) {
            case "=", "==" -> new Requirement(key, Op.EQUALS, Set.of(value(lx, text)));
            case "!=" -> new Requirement(key, Op.NOT_EQUALS, Set.of(value(lx, text)));
            case "in" -> new Requirement(key, Op.IN, set(lx, text));
            case "notin" -> new Requirement(key, Op.NOT_IN, set(lx, text));
            case ">", "<" -> {
                String v = lx.next();
                try {
                    Long.parseLong(v == null ? "" : v);
                } catch (NumberFormatException e) {
                    throw error(text, "for 'Gt', 'Lt' operators, the value must be an integer");
                }
                yield new Requirement(key, op.equals(">") ? Op.GT : Op.LT, Set.of(v));
            }
            default -> throw error(text, "found '" + op + "', expected: in, notin, =, ==, !=, gt, lt");
        };
    }

    private static String value(Lexer lx, String text) {
        String v = lx.peek();
        if (v == null || v.equals(",")) {
            return ""; // "k=" selects the empty value
        }
        lx.next();
        return checkValue(v, text);
    }

    private static Set<String> set(Lexer lx, String text) {
        if (!"(".equals(lx.next())) {
            throw error(text, "found '" + lx.last + "', expected: '('");
        }
        Set<String> values = new LinkedHashSet<>();
        boolean expectValue = true;
        while (true) {
            String t = lx.next();
            if (t == null) {
                throw error(text, "found 'end of string', expected: ')'");
            }
            if (t.equals(")")) {
                if (expectValue && !values.isEmpty()) {
                    values.add("");
                }
                break;
            }
            if (t.equals(",")) {
                if (expectValue) {
                    values.add("");
                }
                expectValue = true;
                continue;
            }
            values.add(checkValue(t, text));
            expectValue = false;
        }
        if (values.isEmpty()) {
            throw error(text, "for 'in', 'notin' operators, values set can't be empty");
        }
        return values;
    }

    private static String key(String k, String text) {
        if (k == null || isOperator(k)) {
            throw error(text, "found '" + k + "', expected: identifier");
        }
        int slash = k.indexOf('/');
        String name = slash < 0 ? k : k.substring(slash + 1);
        String prefix = slash < 0 ? null : k.substring(0, slash);
        if (name.isEmpty() || name.length() > 63 || !NAME.matcher(name).matches()
                || (prefix != null && (prefix.length() > 253 || !DNS_SUBDOMAIN.matcher(prefix).matches()))) {
            throw error(text, "invalid label key \"" + k + "\": name part must consist of alphanumeric"
                    + " characters, '-', '_' or '.', and must start and end with an alphanumeric character");
        }
        return k;
    }

    private static String checkValue(String v, String text) {
        if (v.length() > 63 || !VALUE.matcher(v).matches()) {
            throw error(text, "invalid label value: \"" + v + "\": a valid label must be an empty string or"
                    + " consist of alphanumeric characters, '-', '_' or '.'");
        }
        return v;
    }

    private static boolean isOperator(String t) {
        return switch (t) {
            case "!", "=", "==", "!=", "(", ")", ",", "<", ">" -> true;
            default -> false;
        };
    }

    private static ApiError error(String text, String why) {
        return ApiError.badRequest("unable to parse requirement: " + why + " (selector \"" + text + "\")");
    }

    /** Tokens: identifiers and the operators ! = == != ( ) , < > ; keywords in/notin are identifiers. */
    private static final class Lexer {
        private final String s;
        private int pos;
        private String peeked;
        String last;

        Lexer(String s) {
            this.s = s;
        }

        String peek() {
            if (peeked == null) {
                peeked = scan();
            }
            return peeked;
        }

        String next() {
            String t = peek();
            peeked = null;
            last = t;
            return t;
        }

        private String scan() {
            while (pos < s.length() && Character.isWhitespace(s.charAt(pos))) {
                pos++;
            }
            if (pos >= s.length()) {
                return null;
            }
            char c = s.charAt(pos);
            if (c == '=' || c == '!') {
                if (pos + 1 < s.length() && s.charAt(pos + 1) == '=') {
                    pos += 2;
                    return c + "=";
                }
                pos++;
                return String.valueOf(c);
            }
            if (c == '(' || c == ')' || c == ',' || c == '<' || c == '>') {
                pos++;
                return String.valueOf(c);
            }
            int start = pos;
            while (pos < s.length() && !Character.isWhitespace(s.charAt(pos)) && "=!(),<>".indexOf(s.charAt(pos)) < 0) {
                pos++;
            }
            return s.substring(start, pos);
        }
    }
}
