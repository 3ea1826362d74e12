package io.nodedns.plugin.rewrite;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * One response-side mapping of a name rule, applied to record owners ({@code value == false}) or
 * to the names inside CNAME, DNAME, SOA (MNAME), SRV, MX, NAPTR, NS and PTR data. REMAP undoes
 * this query's own rewrite (exact, answer auto) and runs on the wire; the text forms (answer
 * name/value, suffix auto) run on dnsjava records. {@code pattern} and {@code template} are set
 * for REGEX only, {@code from} and {@code to} for SUFFIX only.
 */
record AnswerOp(Kind kind, boolean value, Pattern pattern, Template template, String from, String to) {
    enum Kind {
        REMAP, REGEX, SUFFIX
    }

    static AnswerOp remap(boolean value) {
        return new AnswerOp(Kind.REMAP, value, null, null, null, null);
    }

    static AnswerOp regex(boolean value, Pattern pattern, Template template) {
        return new AnswerOp(Kind.REGEX, value, pattern, template, null, null);
    }

    static AnswerOp suffix(boolean value, String from, String to) {
        return new AnswerOp(Kind.SUFFIX, value, null, null, from, to);
    }

    /**
     * Text form of the mapping (CoreDNS's stringRewriters); {@code rewritten}/{@code original} are the
     * names after and before this rule's request rewrite, for REMAP.
     */
    String apply(String name, String rewritten, String original) {
        switch (kind) {
            case REMAP -> {
                if (name.equalsIgnoreCase(rewritten)) {
                    return original;
                }
                int cut = name.length() - rewritten.length();
                if (cut > 0 && name.charAt(cut - 1) == '.'
                        && name.regionMatches(true, cut, rewritten, 0, rewritten.length())) {
                    return name.substring(0, cut) + original;
                }
                return name;
            }
            case SUFFIX -> {
                return name.endsWith(from) ? name.substring(0, name.length() - from.length()) + to : name;
            }
            default -> {
                Matcher m = pattern.matcher(name);
                if (!m.find()) {
                    return name;
                }
                Text out = new Text(64);
                template.expand(m, name, out);
                return out.toString();
            }
        }
    }
}
