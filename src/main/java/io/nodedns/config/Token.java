package io.nodedns.config;

/**
 * One lexed word of a Corefile.
 *
 * @param text   the token's text; quotes removed, escapes applied, env references substituted
 *               where the parser does so
 * @param file   the file the token came from (imported files carry their absolute path)
 * @param line   1-based line on which the token starts
 * @param quoted whether the token was written in double quotes
 * @param unset  the {@code {$NAME}} references in the token that were not set in the environment
 *               (they became ""), comma-separated, or ""; errors at the token name them
 */
public record Token(String text, String file, int line, boolean quoted, String unset) {

    public Token {
        text = text == null ? "" : text;
        file = file == null ? "" : file;
        unset = unset == null ? "" : unset;
    }

    public Token(String text, String file, int line, boolean quoted) {
        this(text, file, line, quoted, "");
    }

    /** Line on which the token ends: a quoted token may span lines. */
    public int lastLine() {
        int end = line;
        for (int i = text.indexOf('\n'); i >= 0; i = text.indexOf('\n', i + 1)) {
            end++;
        }
        return end;
    }

    /** True if {@code next} begins on a later line than this token ends (or in another file). */
    public boolean endsLineBefore(Token next) {
        return !file.equals(next.file) || lastLine() < next.line;
    }

    /** A copy with other text but the same position, used for env substitution. */
    public Token withText(String newText) {
        return newText.equals(text) ? this : new Token(newText, file, line, quoted, unset);
    }

    /** A copy after env substitution: other text, and the names of the variables that were unset. */
    Token substituted(String newText, String unsetNames) {
        return newText.equals(text) && unsetNames.isEmpty() ? this : new Token(newText, file, line, quoted, unsetNames);
    }

    /** True if this token is a bare {@code {} or {@code }}. Quoted braces count too, as in caddy. */
    boolean isOpenBrace() {
        return text.length() == 1 && text.charAt(0) == '{'; // called per token: no String.equals
    }

    boolean isCloseBrace() {
        return text.length() == 1 && text.charAt(0) == '}';
    }
}
