package io.nodedns.plugin.rewrite;

import io.nodedns.wire.Names;
import org.agrona.DirectBuffer;
import org.agrona.MutableDirectBuffer;

/**
 * Wire name to lower-case presentation text and back, without allocating: the form CoreDNS's
 * rewrite matches against ({@code state.Name()}: lower case, fully qualified, escaped).
 */
final class WireText {
    private WireText() {}

    /** Writes the uncompressed name at {@code off} as lower-case text ("." for the root). */
    static void toLowerText(DirectBuffer b, int off, Text out) {
        toText(b, off, out, true);
    }

    /** Presentation text of the name at {@code off}, lower-cased or as sent. */
    static void toText(DirectBuffer b, int off, Text out, boolean lower) {
        out.clear();
        int pos = off;
        while (true) {
            int len = b.getByte(pos) & 0xFF;
            if (len == 0 || len > Names.MAX_LABEL_LENGTH) {
                break;
            }
            for (int i = pos + 1; i <= pos + len; i++) {
                appendEscaped(out, b.getByte(i) & 0xFF, lower);
            }
            out.append('.');
            pos += len + 1;
        }
        if (out.length() == 0) {
            out.append('.');
        }
    }

    private static void appendEscaped(Text out, int c, boolean lower) {
        if (lower && c >= 'A' && c <= 'Z') {
            out.append((char) (c | 0x20));
        } else if (c <= 0x20 || c >= 0x7F) {
            out.append('\\');
            out.append((char) ('0' + c / 100));
            out.append((char) ('0' + (c / 10) % 10));
            out.append((char) ('0' + c % 10));
        } else {
            switch (c) {
                case '"', '(', ')', '.', ';', '\\', '@', '$' -> out.append('\\');
                default -> {
                }
            }
            out.append((char) c);
        }
    }

    /**
     * Presentation text to an uncompressed wire name, made fully qualified; letter case kept.
     * Returns the wire length, or -1 if the text is not a valid domain name (empty label, label over
     * 63 bytes, name over 255, bad escape).
     */
    static int fromText(CharSequence s, MutableDirectBuffer dst, int off) {
        int n = s.length();
        if (n == 0) {
            return -1;
        }
        if (n == 1 && s.charAt(0) == '.') {
            dst.putByte(off, (byte) 0);
            return 1;
        }
        int lengthAt = off;
        int pos = off + 1;
        int label = 0;
        int i = 0;
        while (i < n) {
            char c = s.charAt(i++);
            if (c == '.') {
                if (label == 0) {
                    return -1;
                }
                dst.putByte(lengthAt, (byte) label);
                lengthAt = pos++;
                label = 0;
                continue;
            }
            if (c == '\\') {
                if (i >= n) {
                    return -1;
                }
                c = s.charAt(i++);
                if (c >= '0' && c <= '9') {
                    if (i + 2 > n || !digit(s.charAt(i)) || !digit(s.charAt(i + 1))) {
                        return -1;
                    }
                    int v = (c - '0') * 100 + (s.charAt(i) - '0') * 10 + (s.charAt(i + 1) - '0');
                    i += 2;
                    if (v > 255) {
                        return -1;
                    }
                    c = (char) v;
                }
            }
            if (c > 0xFF || ++label > Names.MAX_LABEL_LENGTH || pos + 2 - off > Names.MAX_NAME_LENGTH) {
                return -1;
            }
            dst.putByte(pos++, (byte) c);
        }
        if (label > 0) {
            dst.putByte(lengthAt, (byte) label);
            lengthAt = pos++;
        }
        if (pos - off > Names.MAX_NAME_LENGTH) {
            return -1;
        }
        dst.putByte(lengthAt, (byte) 0);
        return pos - off;
    }

    private static boolean digit(char c) {
        return c >= '0' && c <= '9';
    }
}
