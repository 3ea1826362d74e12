package io.nodedns.plugin.rewrite;

import io.nodedns.wire.Names;

/**
 * A reusable, growable char sequence: the presentation form of a name while rules look at it.
 * Regex matchers reset onto it, so matching a name allocates no String.
 */
final class Text implements CharSequence {
    private char[] chars;
    private int length;

    Text(int capacity) {
        this.chars = new char[capacity];
    }

    void clear() {
        length = 0;
    }

    void append(char c) {
        ensureRoom(1);
        chars[length++] = c;
    }

    /** Appends byte {@code c} of a name's label as CoreDNS's rewrite sees it ({@link Names#escapeLabelByteCoreDns}). */
    void appendLabelByte(int c) {
        ensureRoom(4);
        length = Names.escapeLabelByteCoreDns(c, chars, length);
    }

    private void ensureRoom(int n) {
        if (length + n > chars.length) {
            chars = java.util.Arrays.copyOf(chars, Math.max(chars.length * 2, length + n));
        }
    }

    void append(CharSequence s, int from, int to) {
        for (int i = from; i < to; i++) {
            append(s.charAt(i));
        }
    }

    void append(char[] s) {
        for (char c : s) {
            append(c);
        }
    }

    void set(CharSequence s) {
        clear();
        append(s, 0, s.length());
    }

    boolean equalTo(char[] s) {
        if (s.length != length) {
            return false;
        }
        for (int i = 0; i < length; i++) {
            if (chars[i] != s[i]) {
                return false;
            }
        }
        return true;
    }

    boolean startsWith(char[] s) {
        return regionMatches(0, s);
    }

    boolean endsWith(char[] s) {
        return s.length <= length && regionMatches(length - s.length, s);
    }

    /** First index of {@code s} at or after {@code from}, or -1. */
    int indexOf(char[] s, int from) {
        for (int i = from; i + s.length <= length; i++) {
            if (regionMatches(i, s)) {
                return i;
            }
        }
        return -1;
    }

    private boolean regionMatches(int at, char[] s) {
        if (at < 0 || at + s.length > length) {
            return false;
        }
        for (int i = 0; i < s.length; i++) {
            if (chars[at + i] != s[i]) {
                return false;
            }
        }
        return true;
    }

    @Override
    public int length() {
        return length;
    }

    @Override
    public char charAt(int index) {
        if (index >= length) {
            throw new IndexOutOfBoundsException(index);
        }
        return chars[index];
    }

    @Override
    public CharSequence subSequence(int start, int end) {
        return new String(chars, start, end - start);
    }

    @Override
    public String toString() {
        return new String(chars, 0, length);
    }
}
