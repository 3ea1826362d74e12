package io.nodedns.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class LexerTest {

    private static List<Token> lex(String text) {
        return Lexer.tokens("Corefile", text);
    }

    private static List<String> words(String text) {
        return Fixtures.texts(lex(text));
    }

    @Test
    void splitsOnWhitespaceAndCountsLines() {
        List<Token> tokens = lex("host:123 {\n\tdir1 a b\n  dir2 c\n}\n");
        assertEquals(List.of("host:123", "{", "dir1", "a", "b", "dir2", "c", "}"), Fixtures.texts(tokens));
        assertEquals(List.of(1, 1, 2, 2, 2, 3, 3, 4), tokens.stream().map(Token::line).toList());
        assertTrue(tokens.stream().allMatch(t -> t.file().equals("Corefile") && !t.quoted()));
    }

    @Test
    void emptyAndBlankInputGiveNoTokens() {
        assertEquals(List.of(), lex(""));
        assertEquals(List.of(), lex(" \n\t\r\n  "));
        assertEquals(List.of(), lex("# only a comment\n   # another"));
    }

    @Test
    void leadingByteOrderMarkIsDropped() {
        List<Token> tokens = lex("\uFEFFexample.org {\n}");
        assertEquals("example.org", tokens.get(0).text());
        assertEquals(1, tokens.get(0).line());
    }

    @Test
    void byteOrderMarkElsewhereIsKept() {
        assertEquals(List.of("a\uFEFFb"), words("a\uFEFFb"));
    }

    @Test
    void carriageReturnIsDiscardedWithoutEndingTheToken() {
        assertEquals(List.of("abcd"), words("ab\rcd"));
        List<Token> tokens = lex("a\r\nb\r\n\r\nc");
        assertEquals(List.of("a", "b", "c"), Fixtures.texts(tokens));
        assertEquals(List.of(1, 2, 4), tokens.stream().map(Token::line).toList());
    }

    @Test
    void unicodeWhitespaceSeparatesTokens() {
        // NBSP, NEL, EM SPACE, IDEOGRAPHIC SPACE, LINE SEPARATOR, vertical tab, form feed
        assertEquals(List.of("a", "b", "c", "d", "e", "f", "g", "h"),
                words("a\u00A0b\u0085c\u2003d\u3000e\u2028f\u000Bg\u000Ch"));
    }

    @Test
    void quotedTokenKeepsSpacesAndIsMarkedQuoted() {
        List<Token> tokens = lex("dir \"a b  c\" d");
        assertEquals(List.of("dir", "a b  c", "d"), Fixtures.texts(tokens));
        assertTrue(tokens.get(1).quoted());
        assertFalse(tokens.get(2).quoted());
    }

    @Test
    void quoteOnlyOpensAtTheStartOfAToken() {
        assertEquals(List.of("ab\"c\"d"), words("ab\"c\"d"));
        assertEquals(List.of("a\"", "b\""), words("a\" b\""));
    }

    @Test
    void closingQuoteEndsTheTokenImmediately() {
        assertEquals(List.of("abc", "def"), words("\"abc\"def"));
        assertEquals(List.of("a", "b"), words("\"a\"\"b\""));
    }

    @Test
    void emptyQuotesYieldOneEmptyToken() {
        List<Token> tokens = lex("a \"\" b");
        assertEquals(List.of("a", "", "b"), Fixtures.texts(tokens));
        assertTrue(tokens.get(1).quoted());
    }

    @Test
    void newlinesInsideQuotesAreKeptAndCounted() {
        List<Token> tokens = lex("\"line1\nline2\nline3\" next\nlast");
        assertEquals("line1\nline2\nline3", tokens.get(0).text());
        assertEquals(1, tokens.get(0).line());
        assertEquals(3, tokens.get(0).lastLine());
        assertEquals(3, tokens.get(1).line());
        assertEquals(4, tokens.get(2).line());
        assertFalse(tokens.get(0).endsLineBefore(tokens.get(1)), "'next' is on the line where the quote ends");
        assertTrue(tokens.get(1).endsLineBefore(tokens.get(2)));
    }

    @Test
    void escapedQuoteBecomesAQuote() {
        assertEquals(List.of("say \"hi\""), words("\"say \\\"hi\\\"\""));
    }

    @Test
    void otherBackslashesAreKeptVerbatim() {
        assertEquals(List.of("a\\nb"), words("\"a\\nb\""));
        assertEquals(List.of("a\\\\b"), words("\"a\\\\b\""));
        assertEquals(List.of("C:\\path\\x"), words("C:\\path\\x"), "outside quotes a backslash is ordinary");
        assertEquals(List.of("\\\"x"), words("\\\"x"));
    }

    @Test
    void escapedBackslashBeforeClosingQuote() {
        // "a\\" : the first backslash escapes the second (both kept), the quote then closes
        assertEquals(List.of("a\\\\", "b"), words("\"a\\\\\" b"));
    }

    @Test
    void escapedNewlineInsideQuotesIsCounted() {
        List<Token> tokens = lex("\"a\\\nb\" c");
        assertEquals("a\\\nb", tokens.get(0).text());
        assertEquals(2, tokens.get(1).line());
    }

    @Test
    void escapedUnicodeInsideQuotes() {
        assertEquals(List.of("\\é\\☃"), words("\"\\é\\☃\""));
    }

    @Test
    void commentRunsToEndOfLine() {
        List<Token> tokens = lex("a # b c\nd");
        assertEquals(List.of("a", "d"), Fixtures.texts(tokens));
        assertEquals(2, tokens.get(1).line());
    }

    @Test
    void hashInTheMiddleOfAWordStartsAComment() {
        assertEquals(List.of("foo", "next"), words("foo#bar baz\nnext"));
        assertEquals(List.of("x"), words("x#"));
    }

    @Test
    void hashInsideQuotesIsText() {
        assertEquals(List.of("a#b", "c"), words("\"a#b\" c"));
    }

    @Test
    void quoteInsideACommentIsIgnored() {
        assertEquals(List.of("a", "b"), words("a # \"unterminated\nb"));
    }

    @Test
    void bracesAreOnlySpecialAsWholeTokens() {
        assertEquals(List.of("example.org{", "}x", "{", "}"), words("example.org{ }x { }"));
    }

    @Test
    void unterminatedQuoteAtEndOfInput() {
        List<Token> tokens = lex("a \"bc d");
        assertEquals(List.of("a", "bc d"), Fixtures.texts(tokens));
        assertTrue(tokens.get(1).quoted());
        assertEquals(List.of("a"), words("a \""), "a lone quote at EOF yields no token");
        assertEquals(List.of("abc"), words("\"abc\\"), "a dangling escape at EOF is dropped");
    }

    @Test
    void carriageReturnInsideQuotesIsKept() {
        assertEquals(List.of("a\rb"), words("\"a\rb\""));
    }

    @ParameterizedTest
    @ValueSource(strings = {"\u0000", "\uFFFD\uFFFD", "\uD800", "\uDC00x", "\uD83D\uDE00"})
    void oddCharactersAreOrdinaryText(String odd) {
        assertEquals(List.of("a" + odd), words("a" + odd));
    }

    @Test
    void supplementaryCharactersStayWhole() {
        assertEquals(List.of("😀😀", "x"), words("😀😀 x"));
    }
}
