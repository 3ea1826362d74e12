package io.nodedns.acceptance;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

/** Minimal DNS wire helpers for the load generators (no dnsjava on the hot path: it would dominate). */
final class Wire {
    static final int TYPE_A = 1;
    static final int TYPE_NS = 2;

    private Wire() {}

    /** Writes an RD=1 query "name IN A" with the given ID at the buffer's position. */
    static void query(ByteBuffer out, int id, String name) {
        out.putShort((short) id).putShort((short) 0x0100).putShort((short) 1)
                .putShort((short) 0).putShort((short) 0).putShort((short) 0);
        for (String label : name.split("\\.")) {
            byte[] b = label.getBytes(StandardCharsets.US_ASCII);
            out.put((byte) b.length).put(b);
        }
        out.put((byte) 0).putShort((short) TYPE_A).putShort((short) 1);
    }

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
}
