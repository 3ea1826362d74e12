package io.nodedns.config;

import java.util.ArrayDeque;
import java.util.List;
import java.util.ListIterator;

/**
 * The parser's cursor. Imports splice tokens in front of the unread ones, which is how caddy
 * replaces an {@code import} line by the imported tokens; a deque keeps each splice cheap.
 */
final class TokenStream {

    private final ArrayDeque<Lexeme> unread = new ArrayDeque<>();
    private Lexeme current;
    private boolean currentStartsLine = true;

    TokenStream(List<Lexeme> lexemes) {
        unread.addAll(lexemes);
    }

    /** Moves to the next token; false (and no move) at the end of the input. */
    boolean advance() {
        Lexeme next = unread.pollFirst();
        if (next == null) {
            return false;
        }
        currentStartsLine = startsLine(current, next);
        current = next;
        return true;
    }

    Lexeme current() {
        return current;
    }

    /** Whether the current token is the first on its line (or the first of an import). */
    boolean currentStartsLine() {
        return currentStartsLine;
    }

    Lexeme peek() {
        return unread.peekFirst();
    }

    /** True if there is a next token and it begins a new line. */
    boolean peekStartsLine() {
        Lexeme next = unread.peekFirst();
        return next != null && startsLine(current, next);
    }

    /** True if there is a next token on the current line. */
    boolean peekOnSameLine() {
        Lexeme next = unread.peekFirst();
        return next != null && !startsLine(current, next);
    }

    /** Puts tokens in front of the unread ones, in order. */
    void splice(List<Lexeme> lexemes) {
        for (ListIterator<Lexeme> it = lexemes.listIterator(lexemes.size()); it.hasPrevious();) {
            unread.addFirst(it.previous());
        }
    }

    private static boolean startsLine(Lexeme previous, Lexeme next) {
        return previous == null || next.startsSplice() || previous.token().endsLineBefore(next.token());
    }
}
