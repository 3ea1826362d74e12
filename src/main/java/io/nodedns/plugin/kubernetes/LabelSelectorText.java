package io.nodedns.plugin.kubernetes;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

/**
 * Checks a label selector ({@code labels}, {@code namespace_labels}) at setup and writes it in one
 * canonical form for the API server's {@code labelSelector} parameter. The grammar is Kubernetes's
 * (labels.Parse): comma-ANDed {@code k=v}, {@code k==v}, {@code k!=v}, {@code k in (a,b)},
 * {@code k notin (a,b)}, {@code k}, {@code !k}; keys {@code [DNS-subdomain/]name}. As in CoreDNS
 * (meta.ParseToLabelSelector), the numeric {@code >} and {@code <} are refused.
 */
final class LabelSelectorText {
    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?");
    private static final Pattern SUBDOMAIN = Pattern
            .compile("[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*");
    private static final String STOP = " \t,=!()<>";

    private final String text;
    private int i;

    private LabelSelectorText(String text) {
        this.text = text;
    }

    /** The canonical selector; IllegalArgumentException naming what is wrong. */
    static String normalize(String text) {
        return new LabelSelectorText(text).parse();
    }

    private String parse() {
        List<String> out = new ArrayList<>();
        while (true) {
            spaces();
            out.add(requirement());
            spaces();
            if (i == text.length()) {
                return String.join(",", out);
            }
            if (text.charAt(i) != ',') {
                throw new IllegalArgumentException("expected ',' at '" + text.substring(i) + "'");
            }
            i++;
        }
    }

    private String requirement() {
        if (peek('!')) {
            i++;
            spaces();
            return "!" + key();
        }
        String key = key();
        spaces();
        if (i == text.length() || peek(',')) {
            return key;
        }
        if (text.startsWith("==", i) || text.startsWith("!=", i)) {
            String op = text.substring(i, i + 2);
            i += 2;
            return key + (op.equals("==") ? "=" : "!=") + value();
        }
        if (peek('=')) {
            i++;
            return key + "=" + value();
        }
        if (peek('>') || peek('<')) {
            throw new IllegalArgumentException("\"" + text.charAt(i) + "\" is not a valid label selector operator");
        }
        String word = word();
        if (!word.equals("in") && !word.equals("notin")) {
            throw new IllegalArgumentException("unknown operator '" + word + "' after key '" + key + "'");
        }
        spaces();
        if (!peek('(')) {
            throw new IllegalArgumentException("expected '(' after '" + key + " " + word + "'");
        }
        i++;
        List<String> values = new ArrayList<>();
        while (true) {
            values.add(value());
            spaces();
            if (peek(')')) {
                i++;
                break;
            }
            if (!peek(',')) {
                throw new IllegalArgumentException("expected ',' or ')' in the values of '" + key + "'");
            }
            i++;
        }
        if (values.size() == 1 && values.getFirst().isEmpty()) {
            throw new IllegalArgumentException("for 'in', 'notin' operators, values set can't be empty");
        }
        return key + " " + word + " (" + String.join(",", values) + ")";
    }

    private String key() {
        String key = token();
        int slash = key.indexOf('/');
        String name = slash < 0 ? key : key.substring(slash + 1);
        if (slash >= 0 && (slash > 253 || !SUBDOMAIN.matcher(key.substring(0, slash)).matches())) {
            throw new IllegalArgumentException("invalid label key '" + key + "': the prefix must be a DNS subdomain");
        }
        if (name.length() > 63 || !NAME.matcher(name).matches()) {
            throw new IllegalArgumentException("invalid label key '" + key
                    + "': a name of at most 63 characters, alphanumerics, '-', '_' or '.', starting and ending with an alphanumeric");
        }
        return key;
    }

    private String value() {
        spaces();
        String v = token();
        if (!v.isEmpty() && (v.length() > 63 || !NAME.matcher(v).matches())) {
            throw new IllegalArgumentException("invalid label value '" + v
                    + "': at most 63 characters, alphanumerics, '-', '_' or '.', starting and ending with an alphanumeric");
        }
        return v;
    }

    private String word() {
        int start = i;
        while (i < text.length() && Character.isLetter(text.charAt(i))) {
            i++;
        }
        return text.substring(start, i);
    }

    private String token() {
        int start = i;
        while (i < text.length() && STOP.indexOf(text.charAt(i)) < 0) {
            i++;
        }
        return text.substring(start, i);
    }

    private boolean peek(char c) {
        return i < text.length() && text.charAt(i) == c;
    }

    private void spaces() {
        while (i < text.length() && (text.charAt(i) == ' ' || text.charAt(i) == '\t')) {
            i++;
        }
    }
}
