package io.nodedns.wire;

import org.agrona.DirectBuffer;
import org.agrona.MutableDirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;

/**
 * Presentation-form conversion for {@link Names}. {@code toText} allocates (control path and logs);
 * {@code fromText} does not (rewrite runs it per query).
 * Escaping follows BIND/dig (and dnsjava): bytes outside 0x21..0x7E as {@code \DDD}, and
 * {@code " ( ) . ; \ @ $} with a backslash.
 */
final class NameText {
    private NameText() {}

    static String toText(final DirectBuffer b, final int off, final int len) {
        final StringBuilder sb = new StringBuilder(len + 8);
        final int end = off + len;
        int pos = off;
        while (pos < end) {
            final int l = b.getByte(pos) & 0xFF;
            if (l == 0) {
                break;
            }
            if (l > Names.MAX_LABEL_LENGTH || pos + 1 + l > end) {
                sb.append("<malformed>");
                return sb.toString();
            }
            for (int i = pos + 1, e = pos + 1 + l; i < e; i++) {
                appendEscaped(sb, b.getByte(i) & 0xFF);
            }
            sb.append('.');
            pos += l + 1;
        }
        return sb.isEmpty() ? "." : sb.toString();
    }

    static String toText(final DirectBuffer b, final int msgStart, final int off, final int limit) {
        final UnsafeBuffer tmp = new UnsafeBuffer(new byte[Names.MAX_NAME_LENGTH]);
        final int len = Names.expand(b, msgStart, off, limit, tmp, 0);
        return len < 0 ? "<malformed:" + len + ">" : toText(tmp, 0, len);
    }

    private static void appendEscaped(final StringBuilder sb, final int c) {
        if (c <= 0x20 || c >= 0x7F) {
            sb.append('\\');
            sb.append((char) ('0' + c / 100));
            sb.append((char) ('0' + (c / 10) % 10));
            sb.append((char) ('0' + c % 10));
        } else {
            switch (c) {
                case '"', '(', ')', '.', ';', '\\', '@', '$' -> sb.append('\\');
                default ->
                    {
                    }
            }
            sb.append((char) c);
        }
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
