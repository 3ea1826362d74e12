package io.nodedns.config;

import java.util.ArrayList;
import java.util.List;

/**
 * Splits Corefile text into tokens the way caddy's {@code caddyfile/lexer.go} does (caddy's caddyfile lexer).
 * It never fails: every input, however odd, yields some list of tokens.
 */
final class Lexer {

    private static final int BYTE_ORDER_MARK = 0xFEFF;

    private final String file;
    private final String input;
    private final List<Token> tokens = new ArrayList<>();
    private final StringBuilder word = new StringBuilder();
    private int line = 1;
    private int wordLine;
    private boolean quoted;

    private Lexer(String file, String input) {
        this.file = file;
        this.input = input;
    }

    static List<Token> tokens(String file, String input) {
        Lexer lexer = new Lexer(file, input == null ? "" : input);
        lexer.run();
        return lexer.tokens;
    }

    private void run() {
        int i = 0;
        if (!input.isEmpty() && input.codePointAt(0) == BYTE_ORDER_MARK) {
            i = 1;
        }
        boolean comment = false;
        boolean escaped = false;
        while (i < input.length()) {
            int ch = input.codePointAt(i);
            i += Character.charCount(ch);
            if (quoted) {
                if (!escaped) {
                    if (ch == '\\') {
                        escaped = true;
                        continue;
                    }
                    if (ch == '"') {
                        emit(); // the closing quote ends the token at once: "abc"def is two tokens
                        continue;
                    }
                }
                if (ch == '\n') {
                    line++;
                }
                if (escaped && ch != '"') {
                    word.append('\\'); // only \" is an escape; any other backslash is kept verbatim
                }
                word.appendCodePoint(ch);
                escaped = false;
                continue;
            }
            if (isSpace(ch)) {
                if (ch == '\r') {
                    continue; // dropped without ending the word, so CRLF files lex like LF files
                }
                if (ch == '\n') {
                    line++;
                    comment = false;
                }
                if (!word.isEmpty()) {
                    emit();
                }
                continue;
            }
            if (ch == '#') {
                comment = true; // the part of the word before '#' is still emitted
            }
            if (comment) {
                continue;
            }
            if (word.isEmpty()) {
                wordLine = line;
                if (ch == '"') {
                    quoted = true;
                    continue;
                }
            }
            word.appendCodePoint(ch);
        }
        // An unterminated quoted word still counts if it has text; a lone '"' at EOF yields nothing.
        if (!word.isEmpty()) {
            emit();
        }
    }

    private void emit() {
        tokens.add(new Token(word.toString(), file, wordLine, quoted));
        word.setLength(0);
        quoted = false;
    }

    /** Go's unicode.IsSpace: Latin-1 spaces (including NEL and NBSP) plus the Unicode separators. */
    static boolean isSpace(int ch) {
        if (ch <= 0xFF) {
            return ch == ' ' || (ch >= '\t' && ch <= '\r') || ch == 0x85 || ch == 0xA0;
        }
        return Character.isSpaceChar(ch);
    }
}
