package io.nodedns.acceptance;

import java.nio.ByteBuffer;

/** Minimal DNS wire helpers for the load generators (no dnsjava on the hot path: it would dominate). */
final class Wire {
    static final int TYPE_A = 1;
    static final int TYPE_NS = 2;

    private Wire() {}

    static int id(ByteBuffer in) {
        return in.getShort(0) & 0xFFFF;
    }

    static int rcode(ByteBuffer in) {
        return in.get(3) & 0x0F;
    }

    /** Offset just past the (uncompressed) question name starting at 12, or -1 if malformed. */
    static int qnameEnd(byte[] b, int length) {
        int p = 12;
        while (p < length) {
            int len = b[p] & 0xFF;
            if (len == 0) {
                return p + 1;
            }
            if (len > 63) {
                return -1;
            }
            p += len + 1;
        }
        return -1;
    }

    /** The (uncompressed) question name ending at {@code qend}, lower case, labels joined by dots, no final dot. */
    static String name(byte[] b, int qend) {
        StringBuilder sb = new StringBuilder(qend - 12);
        int p = 12;
        while (p < qend - 1) {
            int len = b[p] & 0xFF;
            if (sb.length() > 0) {
                sb.append('.');
            }
            for (int i = p + 1; i <= p + len; i++) {
                sb.append(Character.toLowerCase((char) (b[i] & 0xFF)));
            }
            p += len + 1;
        }
        return sb.toString();
    }
}
