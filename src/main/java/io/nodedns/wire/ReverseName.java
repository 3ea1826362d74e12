package io.nodedns.wire;

import org.agrona.DirectBuffer;

/**
 * Reads the address out of a reverse name in wire form, in place: {@code d.c.b.a.in-addr.arpa.}
 * (four decimal labels, Go's IPv4 rules: 0..255, no leading zeros) and {@code x.x....ip6.arpa.}
 * (32 single hex-digit labels, lowest nibble first). Anything else is not a reverse name we answer.
 * Used by hosts per query and by kubernetes for its PTR names.
 */
public final class ReverseName {
    private static final byte[] IN_ADDR_ARPA = {7, 'i', 'n', '-', 'a', 'd', 'd', 'r', 4, 'a', 'r', 'p', 'a', 0};
    private static final byte[] IP6_ARPA = {3, 'i', 'p', '6', 4, 'a', 'r', 'p', 'a', 0};
    private static final int V6_LENGTH = 32 * 2 + IP6_ARPA.length;

    private ReverseName() {}

    public static boolean isV4(DirectBuffer b, int off, int len) {
        return endsWith(b, off, len, IN_ADDR_ARPA);
    }

    /** The IPv4 address as an unsigned 32-bit value, or -1 if the labels are not exactly four octets. */
    public static long v4(DirectBuffer b, int off, int len) {
        int end = off + len - IN_ADDR_ARPA.length;
        int p = off;
        long address = 0;
        for (int label = 0; label < 4; label++) {
            if (p >= end) {
                return -1;
            }
            int l = b.getByte(p) & 0xFF;
            if (l < 1 || l > 3 || p + 1 + l > end) {
                return -1;
            }
            int value = 0;
            for (int i = 1; i <= l; i++) {
                int c = b.getByte(p + i);
                if (c < '0' || c > '9' || (i == 1 && c == '0' && l > 1)) {
                    return -1;
                }
                value = value * 10 + (c - '0');
            }
            if (value > 255) {
                return -1;
            }
            address |= (long) value << (8 * label); // first label is the last octet
            p += 1 + l;
        }
        return p == end ? address : -1;
    }

    /** True for exactly 32 single hex-digit labels under ip6.arpa. */
    public static boolean isV6(DirectBuffer b, int off, int len) {
        if (len != V6_LENGTH || !endsWith(b, off, len, IP6_ARPA)) {
            return false;
        }
        for (int i = 0; i < 32; i++) {
            if (b.getByte(off + 2 * i) != 1 || hex(b.getByte(off + 2 * i + 1)) < 0) {
                return false;
            }
        }
        return true;
    }

    /** 64 bits from the 16 nibble labels starting at {@code firstLabel} (0: low half, 16: high half); after {@link #isV6}. */
    public static long v6Half(DirectBuffer b, int off, int firstLabel) {
        long value = 0;
        for (int j = 0; j < 16; j++) {
            value |= (long) hex(b.getByte(off + 2 * (firstLabel + j) + 1)) << (4 * j);
        }
        return value;
    }

    private static int hex(int c) {
        if (c >= '0' && c <= '9') {
            return c - '0';
        }
        int lower = c | 0x20;
        return lower >= 'a' && lower <= 'f' ? lower - 'a' + 10 : -1;
    }

    private static boolean endsWith(DirectBuffer b, int off, int len, byte[] suffix) {
        int start = off + len - suffix.length;
        if (start < off) {
            return false;
        }
        for (int i = 0; i < suffix.length; i++) {
            int c = b.getByte(start + i);
            if ((c >= 'A' && c <= 'Z' ? c | 0x20 : c) != suffix[i]) {
                return false;
            }
        }
        return true;
    }
}
