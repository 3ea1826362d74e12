package io.nodedns.config;

import java.util.function.Function;

/**
 * Replaces {@code {%NAME%}} and then {@code {$NAME}} references in a token (caddy's caddyfile parser).
 *
 * <p>Unlike caddy, a replaced value is not scanned again; that keeps a variable whose value
 * mentions itself from looping forever. An unterminated reference stays literal; an empty name
 * ({@code {$}}) stays literal and, as in caddy, stops further replacement of that form.
 */
final class EnvSubstitution {

    private final Function<String, String> lookup;
    // names found unset by the last apply (the parser is single-threaded), for Token.unset
    private final StringBuilder unset = new StringBuilder();

    EnvSubstitution(Function<String, String> lookup) {
        this.lookup = lookup == null ? System::getenv : lookup;
    }

    /** The token with its references replaced; an unset variable becomes "" and is named in {@link Token#unset()}. */
    Token apply(Token token) {
        String text = apply(token.text());
        return token.substituted(text, unset.toString());
    }

    String apply(String text) {
        unset.setLength(0);
        if (text.indexOf('{') < 0) {
            return text;
        }
        return replace(replace(text, "{%", "%}"), "{$", "}");
    }

    private String replace(String text, String open, String close) {
        int start = text.indexOf(open);
        if (start < 0) {
            return text;
        }
        StringBuilder out = new StringBuilder(text.length());
        int copied = 0;
        while (start >= 0) {
            // caddy looks for the end marker from the start of the reference, so "{%}" is empty, not open
            int end = text.indexOf(close, start);
            if (end < 0 || end <= start + open.length()) {
                break;
            }
            out.append(text, copied, start).append(value(text.substring(start + open.length(), end)));
            copied = end + close.length();
            start = text.indexOf(open, copied);
        }
        return out.append(text, copied, text.length()).toString();
    }

    private String value(String name) {
        String value;
        try {
            value = lookup.apply(name);
        } catch (RuntimeException e) {
            value = null; // a lookup that cannot answer (odd names on some platforms) means unset
        }
        if (value == null) {
            unset.append(unset.isEmpty() ? "" : ", ").append(name);
            return "";
        }
        return value;
    }
}
