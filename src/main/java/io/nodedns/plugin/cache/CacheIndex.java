package io.nodedns.plugin.cache;

import io.nodedns.wire.QueryView;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/**
 * The per-shard hash index of a {@link CacheStore}: linear probing over tags that hold the key
 * hash's upper 44 bits and the entry number (+1) in the lower 20. The home slot comes from tag
 * bits, so deletion can shift entries back instead of leaving tombstones. Each shard's table has at
 * least twice as many slots as the shard has opened entries, so probes are short and always end;
 * it doubles (rehashed under the shard's lock, then published) as the shard opens entries, and is
 * absent until the first. Readers probe without locks on whichever table they fetched; a probe that
 * races a shift or a rehash may miss (a cache miss, never a wrong answer: the entry is checked after).
 */
final class CacheIndex {
    static final int ENTRY_BITS = 20;
    private static final long TAG_MASK = ~((1L << ENTRY_BITS) - 1);
    private static final VarHandle LONGS = MethodHandles.arrayElementVarHandle(long[].class);
    private static final VarHandle TABLES = MethodHandles.arrayElementVarHandle(long[][].class);

    private final long[][] tables;

    CacheIndex(int shards) {
        this.tables = new long[shards][];
    }

    /** Slots for a shard of {@code entries} entries: the next power of two >= 2 x entries. */
    static int sizeFor(int entries) {
        return Integer.highestOneBit(Math.max(2, entries * 2 - 1)) << 1;
    }

    /** Bytes held now (the table of references and every shard's table). */
    long bytes() {
        long n = 16 + 4L * tables.length;
        for (long[] t : tables) {
            n += t == null ? 0 : 16 + 8L * t.length;
        }
        return n;
    }

    static long maxBytes(int shards, int perShard) {
        return 16 + 4L * shards + shards * (16 + 8L * sizeFor(perShard));
    }

    /** The shard's table as published (null while the shard is empty); read once per probe. */
    long[] table(int shard) {
        return (long[]) TABLES.getAcquire(tables, shard);
    }

    /** Makes room for {@code entries} entries; the caller holds the shard's lock. */
    void ensure(int shard, int entries) {
        long[] old = tables[shard];
        int size = sizeFor(entries);
        if (old != null && old.length >= size) {
            return;
        }
        long[] t = new long[size];
        if (old != null) {
            for (long tag : old) {
                if (tag != 0) {
                    int pos = home(t, tag);
                    while (t[pos] != 0) {
                        pos = next(t, pos);
                    }
                    t[pos] = tag;
                }
            }
        }
        TABLES.setRelease(tables, shard, t);
    }

    /** The 64-bit key over the lower-cased qname, qtype, qclass, DO and CD (CoreDNS plugin/cache/cache.go). */
    static long hash(QueryView q, int keyFlags) {
        return hash(q.qnameHash(), q.qtype(), q.qclass(), keyFlags);
    }

    /** The same hash from its parts (a persisted entry has no query; the name hash is Names.hashLowerCase). */
    static long hash(int qnameHash, int qtype, int qclass, int keyFlags) {
        long h = ((long) qnameHash << 32) ^ ((long) qtype << 16) ^ qclass ^ ((long) keyFlags << 14);
        h ^= h >>> 33;
        h *= 0xFF51AFD7ED558CCDL;
        h ^= h >>> 33;
        h *= 0xC4CEB9FE1A85EC53L;
        return h ^ (h >>> 33);
    }

    static int home(long[] t, long h) {
        return (int) (h >>> ENTRY_BITS) & (t.length - 1);
    }

    static int next(long[] t, int pos) {
        return (pos + 1) & (t.length - 1);
    }

    /** The tag at a slot (0 = empty), read without a lock. */
    static long read(long[] t, int pos) {
        return (long) LONGS.getOpaque(t, pos);
    }

    static boolean sameHash(long tag, long h) {
        return ((tag ^ h) & TAG_MASK) == 0;
    }

    /** The entry number a tag points at (-1 for an empty slot). */
    static int entry(long tag) {
        return (int) (tag & ~TAG_MASK) - 1;
    }

    /** Adds a tag; the caller holds the shard's lock, made room and knows the key is not present. */
    void insert(int shard, long h, int entry) {
        long[] t = tables[shard];
        int pos = home(t, h);
        while (t[pos] != 0) {
            pos = next(t, pos);
        }
        LONGS.setRelease(t, pos, (h & TAG_MASK) | (entry + 1));
    }

    /** Removes a tag, shifting later probes back into the gap; the caller holds the shard's lock. */
    void remove(int shard, long h, int entry) {
        long[] t = tables[shard];
        if (t == null) {
            return;
        }
        int mask = t.length - 1;
        long want = (h & TAG_MASK) | (entry + 1);
        int i = home(t, h);
        for (int n = 0; t[i] != want; n++, i = next(t, i)) {
            if (t[i] == 0 || n > mask) {
                return;
            }
        }
        int j = i;
        while (true) {
            j = next(t, j);
            long tag = t[j];
            if (tag == 0) {
                LONGS.setRelease(t, i, 0L);
                return;
            }
            int home = (int) (tag >>> ENTRY_BITS) & mask;
            boolean stays = i <= j ? (i < home && home <= j) : (i < home || home <= j);
            if (!stays) {
                LONGS.setRelease(t, i, tag);
                i = j;
            }
        }
    }
}
