package io.nodedns.plugin.cache;

import io.nodedns.wire.DnsHeader;
import io.nodedns.wire.Names;
import io.nodedns.wire.QueryView;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;
import java.util.concurrent.atomic.LongAdder;
import org.agrona.DirectBuffer;
import org.agrona.ExpandableDirectByteBuffer;
import org.agrona.concurrent.UnsafeBuffer;

/**
 * One of the two caches (success or denial): up to a fixed number of entries, lock-free reads.
 * 256 shards as in CoreDNS; each shard has an open-addressing index of tagged hashes, up to
 * {@code perShard} entries of 512 bytes (a 48-byte header and up to 464 bytes of reply plus TTL
 * offsets) and up to {@code perShard / 8} large slots of 4096 bytes for bigger replies. Larger
 * replies are not cached. Memory follows what is stored: entries, large slots and the index are
 * taken as a shard fills (see {@link CacheArena}), so a store only allocates when it opens a chunk.
 * A full shard evicts with CLOCK (second chance): a hit sets the entry's visited bit (a plain byte
 * store into its chunk, no allocation; racing stores are harmless), and the writer that needs room
 * sweeps the shard's hand, clearing visited bits, to the first entry not visited since the hand last
 * passed. New entries start unvisited, so a flood of names asked once evicts itself first and names
 * that keep being asked stay (CoreDNS evicts a random entry).
 *
 * <p>Readers never lock: every entry has a sequence number that a writer makes odd while it writes
 * and even afterwards; a reader copies, then re-reads the number, and treats any change as a miss.
 * The number sits in the slot's first bytes, beside the key, so a hit touches the index probe and
 * the slot and nothing else. Writers never read it: each shard counts its writes and every write
 * stamps the next number, so a slot's numbers only grow; with the evicted entry's hash kept in its
 * chunk's side data as well, eviction stores into the victim's cold slot but never waits on a load.
 * Every field a reader uses is bounds-checked before use and a chunk or large slot not yet
 * published reads as a miss, so a torn read cannot throw. Writers take a per-shard spin lock (held
 * for one copy, no blocking calls inside).
 */
final class CacheStore {
    static final int SHARDS = 256;
    static final int SLOT = CacheArena.SLOT;
    static final int HEADER = 48;
    static final int SMALL_PAYLOAD = SLOT - HEADER;
    static final int LARGE = CacheArena.LARGE;
    static final long MISS = Long.MIN_VALUE;
    static final int SERVFAIL = 1;
    static final int ANSWERING = 2;
    /** An owner name equal to the question has bytes of its own: a hit rewrites them too (RFC 4343 4.1). */
    static final int OWNER_CASE = 4;
    static final int MAX_PER_SHARD = (1 << 20) - 1;
    private static final int SHARD_BITS = 8;
    private static final int ENTRY_MASK = (1 << 28) - 1;

    private static final int H_SEQ = 0;
    private static final int H_HASH = 8;
    private static final int H_STORED = 16;
    private static final int H_DURATION = 24;
    /** Where the reply is: an offset in the entry's chunk, or -(j + 1) for large slot j (offset 0). */
    private static final int H_DATA = 28;
    private static final int H_LEN = 32;
    private static final int H_TTLS = 34;
    private static final int H_QTYPE = 36;
    private static final int H_QCLASS = 38;
    private static final int H_OPT = 40;
    private static final int H_KEY = 42;
    private static final int H_FLAGS = 43;
    private static final int H_QNAME = 44;
    private static final long NANOS = 1_000_000_000L;
    private static final ByteOrder BE = ByteOrder.BIG_ENDIAN;
    private static final VarHandle INTS = MethodHandles.arrayElementVarHandle(int[].class);

    private final int perShard;
    private final int largePerShard;
    private final CacheArena arena;
    private final CacheIndex index = new CacheIndex(SHARDS);
    private final long[] written = new long[SHARDS];
    private final int[] live = new int[SHARDS];
    /** CLOCK hands: the next entry, and the next large slot, a writer in need of room looks at. */
    private final int[] hand = new int[SHARDS];
    private final int[] largeHand = new int[SHARDS];
    private final int[] locks = new int[SHARDS * 16];
    final CacheActivity activity;
    private final LongAdder evictions = new LongAdder();

    /** CoreDNS's sizing: max(capacity / 256, 4) entries per shard, so at least 1024 in all. */
    CacheStore(int capacity) {
        this.perShard = perShard(capacity);
        this.arena = new CacheArena(SHARDS, perShard);
        this.largePerShard = arena.largePerShard();
        this.activity = new CacheActivity(arena);
    }

    private static int perShard(int capacity) {
        return Math.min(MAX_PER_SHARD, Math.max(capacity / SHARDS, 4));
    }

    int capacity() {
        return SHARDS * perShard;
    }

    int entries() {
        int n = 0;
        for (int s = 0; s < SHARDS; s++) {
            n += live[s];
        }
        return n;
    }

    long evictions() {
        return evictions.sum();
    }

    /** Bytes held now: what the entries stored so far opened, plus the fixed tables. */
    long memoryBytes() {
        return FIXED_BYTES + arena.memoryBytes() + index.bytes();
    }

    /** Bytes the store's own arrays hold from the start (headers, shard counters and locks). */
    private static final long FIXED_BYTES = 5 * 16 + SHARDS * (8L + 4 + 4 + 4 + 4 * 16);

    /**
     * The most a store of this capacity can hold, once every entry, large slot and index slot is
     * in use: the figure setup checks against the heap budget.
     */
    static long bytesFor(int capacity) {
        int perShard = perShard(capacity);
        return FIXED_BYTES + CacheArena.maxBytes(SHARDS, perShard) + CacheIndex.maxBytes(SHARDS, perShard);
    }

    /** The shard of entry number {@code g}. */
    static int shardOf(int g) {
        return g & (SHARDS - 1);
    }

    /** The entry's number within its shard. */
    static int localOf(int g) {
        return g >>> SHARD_BITS;
    }

    private static int entryNumber(int shard, int local) {
        return local << SHARD_BITS | shard;
    }

    /** Whole seconds left on an entry (negative once expired); a plain read, for decisions only. */
    static long remaining(long stored, int duration, long now) {
        long age = now - stored;
        return duration - (age > 0 ? age / NANOS : 0);
    }

    /** The entry number in a {@link #find} result. */
    static int entry(long found) {
        return (int) found & ENTRY_MASK;
    }

    /** A {@link #find} result: the entry and (31 bits of) the sequence number its key was checked under. */
    private static long found(long v, int g) {
        return checkedUnder(v) << 32 | g;
    }

    private static long checkedUnder(long v) {
        return (v >>> 1) & 0x7FFF_FFFFL;
    }

    /**
     * The entry holding this key that is fresh, or expired by less than {@code staleSeconds}, with
     * the sequence number its key was checked under (see {@link #entry}); -1 if none. Bits 28 to 31
     * are always clear (entry numbers stay below 2^28), free for the caller.
     */
    long find(long h, int keyFlags, QueryView q, DirectBuffer req, long now, long staleSeconds) {
        int shard = (int) h & (SHARDS - 1);
        long[] t = index.table(shard);
        if (t == null) {
            return -1;
        }
        int pos = CacheIndex.home(t, h);
        for (int n = 0; n < t.length; n++, pos = CacheIndex.next(t, pos)) {
            long tag = CacheIndex.read(t, pos);
            if (tag == 0) {
                return -1;
            }
            int local = CacheIndex.entry(tag);
            UnsafeBuffer a;
            if (CacheIndex.sameHash(tag, h) && local >= 0 && local < perShard
                    && (a = arena.chunk(shard, local)) != null) {
                int s = arena.slot(local);
                long v = a.getLongAcquire(s + H_SEQ);
                boolean ok = (v & 1) == 0 && keyMatches(a, s, shard, h, keyFlags, q, req)
                        && usable(remaining(a.getLong(s + H_STORED), a.getInt(s + H_DURATION), now), staleSeconds);
                VarHandle.acquireFence();
                if (ok && a.getLongOpaque(s + H_SEQ) == v) {
                    return found(v, entryNumber(shard, local));
                }
            }
        }
        return -1;
    }

    static boolean usable(long remaining, long staleSeconds) {
        return remaining > 0 || (staleSeconds > 0 && -remaining < staleSeconds);
    }

    /** The buffer holding the reply of the slot at {@code s} of chunk {@code a}, or null (torn or not published). */
    private UnsafeBuffer payload(UnsafeBuffer a, int s, int shard) {
        int data = a.getInt(s + H_DATA);
        if (data >= 0) {
            return a;
        }
        int j = -1 - data;
        return j < largePerShard ? arena.large(shard, j) : null;
    }

    /** The reply's offset within {@link #payload}. */
    private static int dataOffset(UnsafeBuffer a, int s) {
        return Math.max(0, a.getInt(s + H_DATA));
    }

    private boolean keyMatches(UnsafeBuffer a, int s, int shard, long h, int keyFlags, QueryView q, DirectBuffer req) {
        return keyMatches(a, s, shard, h, keyFlags, q.qtype(), q.qclass(), req, q.qnameOffset(), q.qnameLength());
    }

    /** Hash, DO/CD, type, class and name (any case); bounds-checked, so a torn header cannot throw. */
    private boolean keyMatches(UnsafeBuffer a, int s, int shard, long h, int keyFlags, int qtype, int qclass,
            DirectBuffer name, int nameOff, int nameLen) {
        if (a.getLong(s + H_HASH) != h || a.getByte(s + H_KEY) != keyFlags
                || (a.getShort(s + H_QTYPE, BE) & 0xFFFF) != qtype || (a.getShort(s + H_QCLASS, BE) & 0xFFFF) != qclass
                || (a.getShort(s + H_QNAME, BE) & 0xFFFF) != nameLen) {
            return false;
        }
        UnsafeBuffer p = payload(a, s, shard);
        int data = dataOffset(a, s);
        return p != null && data + DnsHeader.LENGTH + nameLen <= p.capacity()
                && Names.equalsIgnoreCase(p, data + DnsHeader.LENGTH, name, nameOff, nameLen);
    }

    /** Seconds left on entry {@code g}; a plain read, for decisions only. */
    long remaining(int g, long now) {
        UnsafeBuffer a = arena.chunk(shardOf(g), localOf(g));
        int s = arena.slot(localOf(g));
        return remaining(a.getLong(s + H_STORED), a.getInt(s + H_DURATION), now);
    }

    int flags(int g) {
        return arena.chunk(shardOf(g), localOf(g)).getByte(arena.slot(localOf(g)) + H_FLAGS);
    }

    int duration(int g) {
        return arena.chunk(shardOf(g), localOf(g)).getInt(arena.slot(localOf(g)) + H_DURATION);
    }

    /**
     * Copies the entry's reply into {@code out} with every TTL set: {@code staleTtl} when serving
     * stale (if > 0), else the stored duration with keepttl, else the seconds left (0 if stale).
     * Without {@code keepOpt} a stored last OPT is left out. Returns {@code length << 32 |
     * (remaining seconds as int)}, or {@link #MISS} if the entry changed, expired or does not match.
     * The key is compared again only if the entry was written since {@code found} checked it; the
     * caller's bits 28 to 31 are ignored.
     */
    long copyOut(long found, long h, int keyFlags, QueryView q, DirectBuffer req, long now, long staleSeconds,
            boolean keepTtl, int staleTtl, boolean keepOpt, ExpandableDirectByteBuffer out) {
        int g = entry(found);
        int shard = shardOf(g);
        int local = localOf(g);
        UnsafeBuffer a = local < perShard ? arena.chunk(shard, local) : null;
        if (a == null) {
            return MISS;
        }
        int s = arena.slot(local);
        long v = a.getLongAcquire(s + H_SEQ);
        if ((v & 1) != 0 || (checkedUnder(v) != found >>> 32 && !keyMatches(a, s, shard, h, keyFlags, q, req))) {
            return MISS;
        }
        int duration = a.getInt(s + H_DURATION);
        long remaining = remaining(a.getLong(s + H_STORED), duration, now);
        UnsafeBuffer p = payload(a, s, shard);
        int data = dataOffset(a, s);
        int len = a.getShort(s + H_LEN, BE) & 0xFFFF;
        int ttls = a.getShort(s + H_TTLS, BE) & 0xFFFF;
        int opt = a.getShort(s + H_OPT, BE) & 0xFFFF;
        if (p == null || !usable(remaining, staleSeconds) || len < DnsHeader.LENGTH || len + 2 * ttls > LARGE
                || data + len + 2 * ttls > p.capacity() || opt >= len) {
            return MISS;
        }
        boolean stale = remaining <= 0;
        int ttl = stale && staleTtl > 0 ? staleTtl : keepTtl ? duration : stale ? 0 : (int) remaining;
        int copy = !keepOpt && opt > 0 ? opt : len;
        if (out.capacity() < copy) {
            out.checkLimit(copy);
        }
        out.putBytes(0, p, data, copy);
        for (int k = 0; k < ttls; k++) {
            int at = p.getShort(data + len + 2 * k, BE) & 0xFFFF;
            if (at + 4 > copy) {
                return MISS;
            }
            out.putInt(at, ttl, BE);
        }
        VarHandle.acquireFence();
        if (a.getLongOpaque(s + H_SEQ) != v) {
            return MISS;
        }
        int visited = arena.side(local) + CacheArena.S_VISITED;
        if (a.getByte(visited) == 0) {
            a.putByte(visited, (byte) 1); // only the first hit per sweep dirties the line
        }
        if (copy != len) {
            DnsHeader.arcount(out, 0, DnsHeader.arcount(out, 0) - 1);
        }
        return ((long) copy << 32)
                | ((int) Math.max(Integer.MIN_VALUE + 1, Math.min(Integer.MAX_VALUE, remaining)) & 0xFFFFFFFFL);
    }

    /**
     * Stores a validated reply in {@code msg[0, len)} whose question name is at offset 12. With
     * {@code keepAnswering} an existing answering entry usable within {@code staleSeconds} is kept.
     * Returns false if nothing was stored (too large, or kept).
     */
    boolean put(long h, int keyFlags, int entryFlags, int qtype, int qclass, int qnameLen, DirectBuffer msg, int len,
            int ttlCount, int optStart, int duration, long now, boolean keepAnswering, long staleSeconds) {
        int payload = len + 2 * ttlCount;
        if (payload > LARGE || len > 0xFFFF) {
            return false;
        }
        int shard = (int) h & (SHARDS - 1);
        lock(shard);
        try {
            int local = locate(shard, h, keyFlags, qtype, qclass, msg, DnsHeader.LENGTH, qnameLen);
            boolean isNew = local < 0;
            if (!isNew && keepAnswering) {
                UnsafeBuffer a = arena.chunk(shard, local);
                int s = arena.slot(local);
                if ((a.getByte(s + H_FLAGS) & ANSWERING) != 0
                        && usable(remaining(a.getLong(s + H_STORED), a.getInt(s + H_DURATION), now), staleSeconds)) {
                    return false;
                }
            }
            if (isNew) {
                local = takeEntry(shard);
            }
            UnsafeBuffer a = arena.chunk(shard, local);
            int side = arena.side(local);
            if (isNew) {
                a.putByte(side + CacheArena.S_VISITED, (byte) 0);
            }
            int s = arena.slot(local);
            int heldLarge = a.getInt(side + CacheArena.S_LARGE) - 1;
            UnsafeBuffer p = a;
            int data = s + HEADER;
            int mark = data;
            if (payload > SMALL_PAYLOAD) {
                if (heldLarge < 0) {
                    heldLarge = takeLarge(shard, local);
                    a.putInt(side + CacheArena.S_LARGE, heldLarge + 1);
                }
                p = arena.large(shard, heldLarge);
                data = 0;
                mark = -1 - heldLarge;
            } else if (heldLarge >= 0) {
                releaseLarge(shard, local);
            }
            long v = beginWrite(a, s, shard);
            a.putLong(side + CacheArena.S_HASH, h);
            a.putLong(s + H_HASH, h);
            a.putLong(s + H_STORED, now);
            a.putInt(s + H_DURATION, duration);
            a.putInt(s + H_DATA, mark);
            a.putShort(s + H_LEN, (short) len, BE);
            a.putShort(s + H_TTLS, (short) ttlCount, BE);
            a.putShort(s + H_QTYPE, (short) qtype, BE);
            a.putShort(s + H_QCLASS, (short) qclass, BE);
            a.putShort(s + H_OPT, (short) optStart, BE);
            a.putByte(s + H_KEY, (byte) keyFlags);
            a.putByte(s + H_FLAGS, (byte) entryFlags);
            a.putShort(s + H_QNAME, (short) qnameLen, BE);
            p.putBytes(data, msg, 0, len);
            int written = CacheWire.writeTtlOffsets(msg, len, p, data + len, ttlCount);
            if (written != ttlCount) {
                a.putShort(s + H_TTLS, (short) written, BE);
            }
            a.putLongRelease(s + H_SEQ, v);
            if (isNew) {
                index.insert(shard, h, local);
            }
            activity.stored(entryNumber(shard, local), isNew);
            return true;
        } finally {
            unlock(shard);
        }
    }

    /** Removes the entry for this key, if any (a refreshed positive answer replaces a denial). */
    void remove(long h, int keyFlags, QueryView q, DirectBuffer req) {
        int shard = (int) h & (SHARDS - 1);
        lock(shard);
        try {
            int local = locate(shard, h, keyFlags, q.qtype(), q.qclass(), req, q.qnameOffset(), q.qnameLength());
            if (local >= 0) {
                drop(shard, local);
                arena.free(shard, local);
                live[shard]--;
            }
        } finally {
            unlock(shard);
        }
    }

    /** What {@link #forEach} hands over: one live entry, its reply in {@code msg[off, off + len)}. */
    interface EntryVisitor {
        void entry(int keyFlags, int entryFlags, int duration, long remainingNanos, DirectBuffer msg, int off, int len,
                int optStart) throws java.io.IOException;
    }

    /**
     * Visits every live entry, shard by shard under the shard's lock (so each entry is read whole),
     * with the nanoseconds it has left at {@code now} (negative once expired). For the persist file,
     * written at shutdown: not a hot path.
     */
    void forEach(long now, EntryVisitor visitor) throws java.io.IOException {
        for (int shard = 0; shard < SHARDS; shard++) {
            lock(shard);
            try {
                for (int local = 0; local < perShard; local++) {
                    UnsafeBuffer a = arena.chunk(shard, local);
                    if (a == null) {
                        local |= arena.chunkEntries() - 1; // chunk not opened: skip it
                        continue;
                    }
                    int s = arena.slot(local);
                    int len = a.getShort(s + H_LEN, BE) & 0xFFFF;
                    UnsafeBuffer p = payload(a, s, shard);
                    if (len < DnsHeader.LENGTH || a.getLong(s + H_HASH) == 0 || p == null) {
                        continue; // never written, or dropped
                    }
                    int duration = a.getInt(s + H_DURATION);
                    long remaining = duration * NANOS - (now - a.getLong(s + H_STORED));
                    visitor.entry(a.getByte(s + H_KEY), a.getByte(s + H_FLAGS), duration, remaining, p,
                            dataOffset(a, s),
                            len, a.getShort(s + H_OPT, BE) & 0xFFFF);
                }
            } finally {
                unlock(shard);
            }
        }
    }

    /** A free entry (opening a chunk if needed, with room in the index), or the CLOCK victim evicted. */
    private int takeEntry(int shard) {
        int local = arena.take(shard);
        if (local >= 0) {
            index.ensure(shard, arena.room(shard));
            live[shard]++;
            return local;
        }
        int victim = sweep(shard);
        drop(shard, victim);
        evictions.increment();
        return victim;
    }

    /**
     * Moves the shard's hand to the first entry not visited since the hand last passed, clearing the
     * visited bits it passes, and returns that entry. Ends within one turn plus one (a full turn
     * clears every bit). Every entry is live when this runs: the shard has no free one.
     */
    private int sweep(int shard) {
        int h = hand[shard];
        while (true) {
            int local = h;
            h = h + 1 == perShard ? 0 : h + 1;
            UnsafeBuffer a = arena.chunk(shard, local);
            int visited = arena.side(local) + CacheArena.S_VISITED;
            if (a.getByte(visited) == 0) {
                hand[shard] = h;
                return local;
            }
            a.putByte(visited, (byte) 0);
        }
    }

    /** A free large slot, or one taken from its holder (chosen by the same CLOCK rule), which is evicted. */
    private int takeLarge(int shard, int local) {
        int j = arena.takeLarge(shard, local);
        if (j >= 0) {
            return j;
        }
        int h = largeHand[shard];
        int owner;
        while (true) {
            owner = arena.largeOwner(shard, h);
            h = h + 1 == largePerShard ? 0 : h + 1;
            UnsafeBuffer a = arena.chunk(shard, owner);
            int visited = arena.side(owner) + CacheArena.S_VISITED;
            if (a.getByte(visited) == 0) {
                break;
            }
            a.putByte(visited, (byte) 0);
        }
        largeHand[shard] = h;
        drop(shard, owner);
        arena.free(shard, owner);
        live[shard]--;
        evictions.increment();
        return arena.takeLarge(shard, local);
    }

    private void releaseLarge(int shard, int local) {
        UnsafeBuffer a = arena.chunk(shard, local);
        int side = arena.side(local);
        arena.releaseLarge(shard, a.getInt(side + CacheArena.S_LARGE) - 1);
        a.putInt(side + CacheArena.S_LARGE, 0);
    }

    /** Unlinks an entry: its tag leaves the index and readers holding it see a new sequence number. */
    private void drop(int shard, int local) {
        UnsafeBuffer a = arena.chunk(shard, local);
        int s = arena.slot(local);
        int side = arena.side(local);
        index.remove(shard, a.getLong(side + CacheArena.S_HASH), local);
        long v = beginWrite(a, s, shard);
        a.putLong(s + H_HASH, 0);
        a.putShort(s + H_LEN, (short) 0, BE);
        a.putLongRelease(s + H_SEQ, v);
        if (a.getInt(side + CacheArena.S_LARGE) != 0) {
            releaseLarge(shard, local);
        }
    }

    /**
     * Marks a slot as being written (an odd number, visible before any data changes) and returns
     * the even number that ends the write: the shard's next, above any the slot has held.
     */
    private long beginWrite(UnsafeBuffer a, int s, int shard) {
        long v = written[shard] + 2;
        written[shard] = v;
        a.putLongOpaque(s + H_SEQ, v - 1);
        VarHandle.storeStoreFence();
        return v;
    }

    private int locate(int shard, long h, int keyFlags, int qtype, int qclass, DirectBuffer name, int nameOff,
            int nameLen) {
        long[] t = index.table(shard);
        if (t == null) {
            return -1;
        }
        for (int n = 0, pos = CacheIndex.home(t, h); n < t.length; n++, pos = CacheIndex.next(t, pos)) {
            long tag = CacheIndex.read(t, pos);
            if (tag == 0) {
                return -1;
            }
            int local = CacheIndex.entry(tag);
            if (CacheIndex.sameHash(tag, h)
                    && keyMatches(arena.chunk(shard, local), arena.slot(local), shard, h, keyFlags, qtype, qclass, name,
                            nameOff, nameLen)) {
                return local;
            }
        }
        return -1;
    }

    private void lock(int shard) {
        int at = shard << 4;
        for (int s = 0; !INTS.compareAndSet(locks, at, 0, 1); s++) {
            if (s < 64) {
                Thread.onSpinWait();
            } else {
                Thread.yield();
            }
        }
    }

    private void unlock(int shard) {
        INTS.setRelease(locks, shard << 4, 0);
    }
}
