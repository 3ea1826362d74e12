package io.nodedns.plugin.cache;

import io.nodedns.wire.QueryView;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/**
 * The per-shard hash index of a {@link CacheStore}: linear probing over tags that hold the key
 * hash's upper 44 bits and the entry number (+1) in the lower 20. The home slot comes from tag
 * bits, so deletion can shift entries back instead of leaving tombstones. At least twice as many
 * slots as entries, so probes are short and always end. Readers probe without locks; a probe that
 * races a shift may miss (a cache miss, never a wrong answer: the entry is checked after).
 */
final class CacheIndex {
    static final int ENTRY_BITS = 20;
    private static final long TAG_MASK = ~((1L << ENTRY_BITS) - 1);
    private static final VarHandle LONGS = MethodHandles.arrayElementVarHandle(long[].class);

    private final long[] slots;
    private final int mask;

    CacheIndex(int shards, int perShard) {
        int size = Integer.highestOneBit(Math.max(2, perShard * 2 - 1)) << 1;
        this.mask = size - 1;
        this.slots = new long[shards * size];
    }

    /** The 64-bit key over the lower-cased qname, qtype, qclass, DO and CD (spec 5.3). */
    static long hash(QueryView q, int keyFlags) {
        long h = ((long) q.qnameHash() << 32) ^ ((long) q.qtype() << 16) ^ q.qclass() ^ ((long) keyFlags << 14);
        h ^= h >>> 33;
        h *= 0xFF51AFD7ED558CCDL;
        h ^= h >>> 33;
        h *= 0xC4CEB9FE1A85EC53L;
        return h ^ (h >>> 33);
    }

    int size() {
        return mask + 1;
    }

    long bytes() {
        return slots.length * 8L;
    }

    int home(long h) {
        return (int) (h >>> ENTRY_BITS) & mask;
    }

    int next(int pos) {
        return (pos + 1) & mask;
    }

    /** The tag at a slot (0 = empty), read without a lock. */
    long read(int shard, int pos) {
        return (long) LONGS.getOpaque(slots, shard * (mask + 1) + pos);
    }

    static boolean sameHash(long tag, long h) {
        return ((tag ^ h) & TAG_MASK) == 0;
    }

    /** The entry number a tag points at (-1 for an empty slot). */
    static int entry(long tag) {
        return (int) (tag & ~TAG_MASK) - 1;
    }

    /** Adds a tag; the caller holds the shard's lock and knows the key is not present. */
    void insert(int shard, long h, int entry) {
        int base = shard * (mask + 1);
        int pos = home(h);
        while (slots[base + pos] != 0) {
            pos = next(pos);
        }
        LONGS.setRelease(slots, base + pos, (h & TAG_MASK) | (entry + 1));
    }

    /** Removes a tag, shifting later probes back into the gap; the caller holds the shard's lock. */
    void remove(int shard, long h, int entry) {
        int base = shard * (mask + 1);
        long want = (h & TAG_MASK) | (entry + 1);
        int i = home(h);
        for (int n = 0; slots[base + i] != want; n++, i = next(i)) {
            if (slots[base + i] == 0 || n > mask) {
                return;
            }
        }
        int j = i;
        while (true) {
            j = next(j);
            long tag = slots[base + j];
            if (tag == 0) {
                LONGS.setRelease(slots, base + i, 0L);
                return;
            }
            int home = (int) (tag >>> ENTRY_BITS) & mask;
            boolean stays = i <= j ? (i < home && home <= j) : (i < home || home <= j);
            if (!stays) {
                LONGS.setRelease(slots, base + i, tag);
                i = j;
            }
        }
    }
}
