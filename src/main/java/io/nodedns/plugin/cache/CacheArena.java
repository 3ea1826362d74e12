package io.nodedns.plugin.cache;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import org.agrona.concurrent.UnsafeBuffer;

/**
 * The memory of a {@link CacheStore}, taken as entries are first used rather than up front. Each
 * shard's entries live in fixed-size chunks of {@link #chunkEntries()} slots, opened in order up to
 * the shard's capacity; a chunk also holds each entry's side data (hash, prefetch and refresh
 * state, large slot, free-list link, visited bit) after its slots, so one allocation per chunk
 * covers everything an entry needs. Large slots are 4 KiB buffers taken one at a time, up to the
 * shard's quota. Nothing is ever given back: a shard that was full once stays allocated.
 *
 * <p>Writers (holding the shard's lock) open chunks and publish them with release semantics;
 * readers fetch them with acquire semantics and treat a chunk not yet published as a miss.
 */
final class CacheArena {
    static final int SLOT = 512;
    static final int LARGE = 4096;
    /** Side data per entry, after the chunk's slots. */
    static final int SIDE = 40;
    static final int S_HASH = 0;
    /** A free entry's link to the next free one, over its hash (which only a live entry needs). */
    static final int S_NEXT_FREE = 0;
    static final int S_LAST_HIT = 8;
    static final int S_RETRY = 16;
    static final int S_HITS = 24;
    static final int S_REFRESHING = 28;
    /** The entry's large slot plus one; 0 for none (a new chunk is all zero). */
    static final int S_LARGE = 32;
    static final int S_VISITED = 36;
    /** A large slot's holder (entry number plus one, 0 for none) and free-list link, after its payload. */
    private static final int L_OWNER = LARGE;
    private static final int L_NEXT_FREE = LARGE + 4;
    private static final int LARGE_BYTES = LARGE + 8;
    /** At most this many chunks per shard: bounds the chunk table for huge capacities. */
    private static final int MAX_CHUNKS = 64;
    private static final int MIN_CHUNK = 8;
    private static final long ARRAY_HEADER = 16;
    private static final VarHandle REFS = MethodHandles.arrayElementVarHandle(UnsafeBuffer[].class);

    private final int shards;
    private final int perShard;
    private final int largePerShard;
    private final int chunkShift;
    private final int chunksPerShard;
    private final UnsafeBuffer[] chunks;
    private final UnsafeBuffer[] large;
    /** Entries opened so far per shard (all below are in published chunks). */
    private final int[] opened;
    private final int[] freeHead;
    private final int[] largeOpened;
    private final int[] largeFree;
    /** Bytes of chunks and large slots taken, per shard (written under the shard's lock). */
    private final long[] taken;

    CacheArena(int shards, int perShard) {
        this.shards = shards;
        this.perShard = perShard;
        this.largePerShard = largePerShard(perShard);
        this.chunkShift = chunkShift(perShard);
        this.chunksPerShard = (perShard + (1 << chunkShift) - 1) >>> chunkShift;
        this.chunks = new UnsafeBuffer[shards * chunksPerShard];
        this.large = new UnsafeBuffer[shards * largePerShard];
        this.opened = new int[shards];
        this.freeHead = new int[shards];
        this.largeOpened = new int[shards];
        this.largeFree = new int[shards];
        this.taken = new long[shards];
        java.util.Arrays.fill(freeHead, -1);
        java.util.Arrays.fill(largeFree, -1);
    }

    static int largePerShard(int perShard) {
        return Math.max(1, perShard / 8);
    }

    /** Chunks of at least 8 entries, a power of two, and at most 64 of them per shard. */
    static int chunkShift(int perShard) {
        int size = MIN_CHUNK;
        while (size * (long) MAX_CHUNKS < perShard) {
            size <<= 1;
        }
        return Integer.numberOfTrailingZeros(size);
    }

    int chunkEntries() {
        return 1 << chunkShift;
    }

    int largePerShard() {
        return largePerShard;
    }

    /** The entries a chunk starting at {@code first} holds (the shard's last chunk may be short). */
    private int chunkSize(int first) {
        return Math.min(1 << chunkShift, perShard - first);
    }

    /** The chunk holding an entry, or null if not yet opened; safe to call without the lock. */
    UnsafeBuffer chunk(int shard, int local) {
        return (UnsafeBuffer) REFS.getAcquire(chunks, shard * chunksPerShard + (local >>> chunkShift));
    }

    /** An entry's slot offset within its chunk. */
    int slot(int local) {
        return (local & ((1 << chunkShift) - 1)) * SLOT;
    }

    /** An entry's side-data offset within its chunk. */
    int side(int local) {
        int first = local & -(1 << chunkShift);
        return chunkSize(first) * SLOT + (local - first) * SIDE;
    }

    /** A large slot, or null if not yet opened; safe to call without the lock. */
    UnsafeBuffer large(int shard, int j) {
        return (UnsafeBuffer) REFS.getAcquire(large, shard * largePerShard + j);
    }

    /** Entries the shard's opened chunks can hold: what its index must have room for. */
    int room(int shard) {
        int n = opened[shard];
        return Math.min(perShard, (n + (1 << chunkShift) - 1) & -(1 << chunkShift));
    }

    /**
     * A free entry (one given back, else the next never used, opening its chunk), or -1 if every
     * entry of the shard is live. Caller holds the shard's lock.
     */
    int take(int shard) {
        int local = freeHead[shard];
        if (local >= 0) {
            freeHead[shard] = chunk(shard, local).getInt(side(local) + S_NEXT_FREE);
            return local;
        }
        local = opened[shard];
        if (local >= perShard) {
            return -1;
        }
        if ((local & ((1 << chunkShift) - 1)) == 0) {
            int n = chunkSize(local);
            UnsafeBuffer c = new UnsafeBuffer(new byte[n * (SLOT + SIDE)]);
            taken[shard] += ARRAY_HEADER + (long) n * (SLOT + SIDE);
            REFS.setRelease(chunks, shard * chunksPerShard + (local >>> chunkShift), c);
        }
        opened[shard] = local + 1;
        return local;
    }

    /** Gives an unlinked entry back. Caller holds the shard's lock. */
    void free(int shard, int local) {
        chunk(shard, local).putInt(side(local) + S_NEXT_FREE, freeHead[shard]);
        freeHead[shard] = local;
    }

    /** A free large slot for {@code local}, or -1 if the shard's quota is all held. Caller holds the lock. */
    int takeLarge(int shard, int local) {
        int j = largeFree[shard];
        if (j >= 0) {
            largeFree[shard] = large(shard, j).getInt(L_NEXT_FREE);
        } else if (largeOpened[shard] < largePerShard) {
            j = largeOpened[shard]++;
            taken[shard] += ARRAY_HEADER + LARGE_BYTES;
            REFS.setRelease(large, shard * largePerShard + j, new UnsafeBuffer(new byte[LARGE_BYTES]));
        } else {
            return -1;
        }
        large(shard, j).putInt(L_OWNER, local + 1);
        return j;
    }

    /** The entry holding large slot {@code j}; every slot is held when none is free. */
    int largeOwner(int shard, int j) {
        return large(shard, j).getInt(L_OWNER) - 1;
    }

    void releaseLarge(int shard, int j) {
        UnsafeBuffer b = large(shard, j);
        b.putInt(L_OWNER, 0);
        b.putInt(L_NEXT_FREE, largeFree[shard]);
        largeFree[shard] = j;
    }

    /** Bytes held now: the tables below plus every chunk and large slot opened. */
    long memoryBytes() {
        long n = fixedBytes(shards, chunksPerShard, largePerShard);
        for (int s = 0; s < shards; s++) {
            n += taken[s];
        }
        return n;
    }

    /** Bytes held once every chunk and large slot of every shard is open. */
    static long maxBytes(int shards, int perShard) {
        int shift = chunkShift(perShard);
        int perChunk = 1 << shift;
        int chunksPerShard = (perShard + perChunk - 1) >>> shift;
        int largePerShard = largePerShard(perShard);
        long chunkBytes = (long) chunksPerShard * ARRAY_HEADER + (long) perShard * (SLOT + SIDE);
        return fixedBytes(shards, chunksPerShard, largePerShard)
                + shards * (chunkBytes + largePerShard * (ARRAY_HEADER + LARGE_BYTES));
    }

    /** The chunk tables and per-shard counters, held from the start (references counted as 4 bytes). */
    private static long fixedBytes(int shards, int chunksPerShard, int largePerShard) {
        return 2 * ARRAY_HEADER + 4L * shards * (chunksPerShard + largePerShard)
                + 5 * ARRAY_HEADER + shards * (4L * 4 + 8);
    }
}
