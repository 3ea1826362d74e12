package io.nodedns.bench;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

/**
 * The queries of one workload, encoded once into a direct buffer. Sending a query only rewrites its
 * ID (and, for a miss, the 16 hex digits of its first label) in place, so the send path allocates
 * nothing. One instance per engine: the buffer is mutated on every send.
 */
final class QuerySet {
    enum Workload {
        HIT, MISS, MIX
    }

    private static final byte[] HEX = "0123456789abcdef".getBytes(StandardCharsets.US_ASCII);
    static final int MISS_LABEL_LEN = 16;

    private final ByteBuffer wire;
    private final int[] hitOffset;
    private final int[] hitLength;
    private final int missOffset;
    private final int missLength;
    private final Workload workload;
    private final int missPerMille;
    private final long missSeed;
    private final int stride;
    private final int lane;
    private long rng;

    /**
     * @param stride number of engines; {@code lane} this engine's index, so that miss names stay
     *               unique across engines (the label is a bijective mix of {@code seq * stride + lane})
     */
    QuerySet(Workload workload, String zone, int names, int missPercent, boolean edns, long seed, int stride,
            int lane) {
        this.workload = workload;
        this.missPerMille = missPercent * 10;
        this.missSeed = seed;
        this.stride = stride;
        this.lane = lane;
        this.rng = mix(seed ^ (0x9E3779B97F4A7C15L * (lane + 1))) | 1;
        String z = zone.endsWith(".") ? zone.substring(0, zone.length() - 1) : zone;
        byte[][] encoded = new byte[names + 1][];
        int total = 0;
        for (int i = 0; i < names; i++) {
            encoded[i] = encode("h" + i + "." + z, edns);
            total += encoded[i].length;
        }
        encoded[names] = encode("0".repeat(MISS_LABEL_LEN) + ".miss." + z, edns);
        total += encoded[names].length;
        wire = ByteBuffer.allocateDirect(total);
        hitOffset = new int[names];
        hitLength = new int[names];
        int off = 0;
        for (int i = 0; i < names; i++) {
            hitOffset[i] = off;
            hitLength[i] = encoded[i].length;
            wire.put(off, encoded[i]);
            off += encoded[i].length;
        }
        missOffset = off;
        missLength = encoded[names].length;
        wire.put(off, encoded[names]);
    }

    int names() {
        return hitOffset.length;
    }

    /**
     * Prepares the query for sequence number {@code seq} with DNS ID {@code id}: sets the buffer's
     * position and limit around it and returns the buffer. {@code forceHit} picks name seq mod N.
     */
    ByteBuffer prepare(long seq, int id, boolean forceHit) {
        boolean miss = !forceHit && switch (workload) {
            case HIT -> false;
            case MISS -> true;
            case MIX -> nextRandom() % 1000 < missPerMille;
        };
        int off;
        int len;
        wire.clear(); // absolute puts are bounded by the limit the previous send left
        if (miss) {
            off = missOffset;
            len = missLength;
            long label = mix(missSeed + seq * stride + lane);
            for (int i = 0; i < MISS_LABEL_LEN; i++) {
                wire.put(off + 13 + i, HEX[(int) (label >>> (60 - 4 * i)) & 0xF]);
            }
        } else {
            int n = (int) Long.remainderUnsigned(seq, hitOffset.length);
            off = hitOffset[n];
            len = hitLength[n];
        }
        wire.putShort(off, (short) id);
        wire.limit(off + len).position(off);
        return wire;
    }

    private long nextRandom() { // xorshift64: cheap and good enough to pick 5 % of queries
        long x = rng;
        x ^= x << 13;
        x ^= x >>> 7;
        x ^= x << 17;
        rng = x;
        return x >>> 1;
    }

    /** splitmix64's finalizer: a bijection, so distinct inputs give distinct miss labels. */
    static long mix(long z) {
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }

    /** A standard query, RD set, for {@code name} A IN, optionally with an OPT record (1232 bytes). */
    static byte[] encode(String name, boolean edns) {
        ByteBuffer b = ByteBuffer.allocate(512);
        b.putShort((short) 0).putShort((short) 0x0100).putShort((short) 1).putShort((short) 0)
                .putShort((short) 0).putShort((short) (edns ? 1 : 0));
        for (String label : name.split("\\.")) {
            byte[] l = label.getBytes(StandardCharsets.US_ASCII);
            if (l.length == 0 || l.length > 63) {
                throw new IllegalArgumentException("bad label in " + name);
            }
            b.put((byte) l.length).put(l);
        }
        b.put((byte) 0).putShort((short) 1).putShort((short) 1);
        if (edns) {
            b.put((byte) 0).putShort((short) 41).putShort((short) 1232).putInt(0).putShort((short) 0);
        }
        byte[] out = new byte[b.position()];
        b.flip().get(out);
        return out;
    }
}
