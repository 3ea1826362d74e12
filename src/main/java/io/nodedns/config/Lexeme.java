package io.nodedns.config;

/**
 * A token on its way through the parser, with the origin used for import-cycle checks.
 *
 * @param token       the lexed token, text not yet env-substituted
 * @param origin      the file or snippet expansion it came from
 * @param startsSplice true for the first token of an import: it always begins a new line, even
 *                    when a snippet defined higher up in the same file has smaller line numbers
 */
record Lexeme(Token token, Origin origin, boolean startsSplice) {

    String text() {
        return token.text();
    }
}
