package io.nodedns.wire;

import org.agrona.DirectBuffer;
import org.agrona.MutableDirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;

/**
 * Presentation-form conversion for {@link Names}. {@code toText} allocates (control path and logs);
 * {@code fromText} does not (rewrite runs it per query). Two escaping styles: BIND/dig's (and
 * dnsjava's), for what nodedns prints to people, and miekg/dns's, the text CoreDNS's plugins match
 * and print (see {@link #escapeCoreDns}). {@code fromText} reads both.
 */
final class NameText {
    private NameText() {}

    static String toText(final DirectBuffer b, final int off, final int len, final boolean coreDns) {
        final char[] out = new char[4 * len]; // at most 4 chars a byte (\DDD)
        int n = 0; // chars in out
        final int end = off + len;
        int pos = off;
        while (pos < end) {
            final int l = b.getByte(pos) & 0xFF;
            if (l == 0) {
                break;
            }
            if (l > Names.MAX_LABEL_LENGTH || pos + 1 + l > end) {
                return new String(out, 0, n) + "<malformed>";
            }
            for (int i = pos + 1, e = pos + 1 + l; i < e; i++) {
                final int c = b.getByte(i) & 0xFF;
                n = coreDns ? escapeCoreDns(c, out, n) : escape(c, out, n);
            }
            out[n++] = '.';
            pos += l + 1;
        }
        return n == 0 ? "." : new String(out, 0, n);
    }

    static String toText(final DirectBuffer b, final int msgStart, final int off, final int limit) {
        final UnsafeBuffer tmp = new UnsafeBuffer(new byte[Names.MAX_NAME_LENGTH]);
        final int len = Names.expand(b, msgStart, off, limit, tmp, 0);
        return len < 0 ? "<malformed:" + len + ">" : toText(tmp, 0, len, false);
    }

    /** dig's escaping: bytes outside 0x21..0x7E as {@code \DDD}, {@code " ( ) . ; \ @ $} after a backslash. */
    static int escape(final int c, final char[] out, final int at) {
        if (c <= 0x20 || c >= 0x7F) {
            return decimal(c, out, at);
        }
        int n = at;
        switch (c) {
            case '"', '(', ')', '.', ';', '\\', '@', '$' -> out[n++] = '\\';
            default -> {
            }
        }
        out[n++] = (char) c;
        return n;
    }

    /**
     * miekg/dns v1.1.50's escaping (UnpackDomainName, isDomainNameLabelSpecial, escapeByte), which
     * is how CoreDNS 1.10.1's plugins see a name: {@code . ' @ ; ( ) " \} and space after a
     * backslash, other bytes outside 0x20..0x7E as {@code \DDD}; {@code $} as is.
     */
    static int escapeCoreDns(final int c, final char[] out, final int at) {
        int n = at;
        switch (c) {
            case '.', ' ', '\'', '@', ';', '(', ')', '"', '\\' -> out[n++] = '\\';
            default -> {
                if (c < ' ' || c > '~') {
                    return decimal(c, out, at);
                }
            }
        }
        out[n++] = (char) c;
        return n;
    }

    /** The byte {@code c} as {@code \DDD}. */
    private static int decimal(final int c, final char[] out, final int at) {
        out[at] = '\\';
        out[at + 1] = (char) ('0' + c / 100);
        out[at + 2] = (char) ('0' + (c / 10) % 10);
        out[at + 3] = (char) ('0' + c % 10);
        return at + 4;
    }

    static int fromText(final CharSequence name, final MutableDirectBuffer dst, final int off) {
        final int n = name.length();
        if (n == 0) {
            return Names.ERR_SYNTAX;
        }
        final int cap = dst.capacity();
        if (n == 1 && name.charAt(0) == '.') {
            if (off >= cap) {
                return Names.ERR_CAPACITY;
            }
            dst.putByte(off, (byte) 0);
            return 1;
        }
        int lengthAt = off; // where the current label's length byte goes
        int pos = off + 1;
        int labelLen = 0;
        int i = 0;
        while (i < n) {
            char c = name.charAt(i++);
            if (c == '.') {
                if (labelLen == 0) {
                    return Names.ERR_SYNTAX;
                }
                dst.putByte(lengthAt, (byte) labelLen);
                lengthAt = pos++;
                labelLen = 0;
                continue;
            }
            if (c == '\\') {
                if (i >= n) {
                    return Names.ERR_SYNTAX;
                }
                c = name.charAt(i++);
                if (c >= '0' && c <= '9') {
                    if (i + 2 > n || !isDigit(name.charAt(i)) || !isDigit(name.charAt(i + 1))) {
                        return Names.ERR_SYNTAX;
                    }
                    final int v = (c - '0') * 100 + (name.charAt(i) - '0') * 10 + (name.charAt(i + 1) - '0');
                    i += 2;
                    if (v > 255) {
                        return Names.ERR_SYNTAX;
                    }
                    c = (char) v;
                }
            }
            if (c > 0xFF) {
                return Names.ERR_SYNTAX;
            }
            if (++labelLen > Names.MAX_LABEL_LENGTH) {
                return Names.ERR_LABEL_TOO_LONG;
            }
            if (pos + 1 - off > Names.MAX_NAME_LENGTH) {
                return Names.ERR_TOO_LONG;
            }
            if (pos >= cap) {
                return Names.ERR_CAPACITY;
            }
            dst.putByte(pos++, (byte) c);
        }
        if (labelLen > 0) {
            // no trailing dot: close the last label and add the root
            dst.putByte(lengthAt, (byte) labelLen);
            lengthAt = pos++;
        }
        if (pos - off > Names.MAX_NAME_LENGTH) {
            return Names.ERR_TOO_LONG;
        }
        if (lengthAt >= cap) {
            return Names.ERR_CAPACITY;
        }
        dst.putByte(lengthAt, (byte) 0);
        return pos - off;
    }

    private static boolean isDigit(final char c) {
        return c >= '0' && c <= '9';
    }
}
