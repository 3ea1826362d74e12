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
 * One of the two caches (success or denial): a fixed number of entries, all memory allocated up
 * front, lock-free reads. 256 shards as in CoreDNS; each shard has an open-addressing index of
 * tagged hashes, {@code perShard} entries of 512 bytes (a 48-byte header and up to 464 bytes of
 * reply plus TTL offsets) and {@code perShard / 8} large slots of 4096 bytes for bigger replies.
 * Larger replies are not cached. A full shard evicts a random entry (CoreDNS's policy).
 *
 * <p>Readers never lock: every entry has a sequence number that a writer makes odd while it writes
 * and even afterwards; a reader copies, then re-reads the number, and treats any change as a miss.
 * The number sits in the slot's first bytes, beside the key, so a hit touches the index probe and
 * the slot and nothing else. Writers never read it: each shard counts its writes and every write
 * stamps the next number, so a slot's numbers only grow; with the evicted entry's hash kept in a
 * small array as well, eviction stores into the victim's cold slot but never waits on a load.
 * Every field a reader uses is bounds-checked before use, so a torn read cannot throw. Writers
 * take a per-shard spin lock (held for one copy, no blocking calls inside).
 */
final class CacheStore {
    static final int SHARDS = 256;
    static final int SLOT = 512;
    static final int HEADER = 48;
    static final int SMALL_PAYLOAD = SLOT - HEADER;
    static final int LARGE = 4096;
    static final long MISS = Long.MIN_VALUE;
    static final int SERVFAIL = 1;
    static final int ANSWERING = 2;
    static final int MAX_PER_SHARD = (1 << 20) - 1;
    private static final int ENTRY_MASK = (1 << 28) - 1;

    private static final int H_SEQ = 0;
    private static final int H_HASH = 8;
    private static final int H_STORED = 16;
    private static final int H_DURATION = 24;
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
    private final UnsafeBuffer[] arena = new UnsafeBuffer[SHARDS];
    private final CacheIndex index;
    private final long[] hashOf;
    private final long[] written = new long[SHARDS];
    private final int[] largeOf;
    private final int[] largeOwner;
    private final int[] freeEntries;
    private final int[] freeTop = new int[SHARDS];
    private final int[] freeLarge;
    private final int[] largeTop = new int[SHARDS];
    private final int[] live = new int[SHARDS];
    private final long[] random = new long[SHARDS];
    private final int[] locks = new int[SHARDS * 16];
    final CacheActivity activity;
    private final LongAdder evictions = new LongAdder();

    /** CoreDNS's sizing: max(capacity / 256, 4) entries per shard, so at least 1024 in all. */
    CacheStore(int capacity) {
        this.perShard = Math.min(MAX_PER_SHARD, Math.max(capacity / SHARDS, 4));
        this.largePerShard = Math.max(1, perShard / 8);
        int entries = SHARDS * perShard;
        this.index = new CacheIndex(SHARDS, perShard);
        this.hashOf = new long[entries];
        this.largeOf = new int[entries];
        this.largeOwner = new int[SHARDS * largePerShard];
        this.freeEntries = new int[entries];
        this.freeLarge = new int[SHARDS * largePerShard];
        this.activity = new CacheActivity(entries);
        java.util.Arrays.fill(largeOf, -1);
        java.util.Arrays.fill(largeOwner, -1);
        for (int s = 0; s < SHARDS; s++) {
            arena[s] = new UnsafeBuffer(new byte[perShard * SLOT + largePerShard * LARGE]);
            for (int i = 0; i < perShard; i++) {
                freeEntries[s * perShard + i] = perShard - 1 - i;
            }
            freeTop[s] = perShard;
            for (int j = 0; j < largePerShard; j++) {
                freeLarge[s * largePerShard + j] = largePerShard - 1 - j;
            }
            largeTop[s] = largePerShard;
            random[s] = 0x9E3779B97F4A7C15L * (s + 1);
        }
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

    /** Bytes held by this store, all allocated at construction. */
    long memoryBytes() {
        return bytesFor(capacity());
    }

    /** What a store of this capacity allocates: slots, large slots, index and per-entry arrays. */
    static long bytesFor(int capacity) {
        long perShard = Math.min(MAX_PER_SHARD, Math.max(capacity / SHARDS, 4));
        long large = Math.max(1, perShard / 8);
        long table = Integer.highestOneBit((int) Math.max(2, perShard * 2 - 1)) << 1;
        return SHARDS * (perShard * SLOT + large * LARGE + table * 8 + large * 8
                + perShard * (8 + 4 + 4 + CacheActivity.bytesPerEntry()));
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
        int pos = index.home(h);
        for (int n = 0; n < index.size(); n++, pos = index.next(pos)) {
            long tag = index.read(shard, pos);
            if (tag == 0) {
                return -1;
            }
            int local = CacheIndex.entry(tag);
            if (CacheIndex.sameHash(tag, h) && local >= 0 && local < perShard) {
                UnsafeBuffer a = arena[shard];
                int s = local * SLOT;
                long v = a.getLongAcquire(s + H_SEQ);
                boolean ok = (v & 1) == 0 && keyMatches(a, s, h, keyFlags, q, req)
                        && usable(remaining(a.getLong(s + H_STORED), a.getInt(s + H_DURATION), now), staleSeconds);
                VarHandle.acquireFence();
                if (ok && a.getLongOpaque(s + H_SEQ) == v) {
                    return found(v, shard * perShard + local);
                }
            }
        }
        return -1;
    }

    static boolean usable(long remaining, long staleSeconds) {
        return remaining > 0 || (staleSeconds > 0 && -remaining < staleSeconds);
    }

    private static boolean keyMatches(UnsafeBuffer a, int s, long h, int keyFlags, QueryView q, DirectBuffer req) {
        return keyMatches(a, s, h, keyFlags, q.qtype(), q.qclass(), req, q.qnameOffset(), q.qnameLength());
    }

    /** Hash, DO/CD, type, class and name (any case); bounds-checked, so a torn header cannot throw. */
    private static boolean keyMatches(UnsafeBuffer a, int s, long h, int keyFlags, int qtype, int qclass,
                                      DirectBuffer name, int nameOff, int nameLen) {
        int data = a.getInt(s + H_DATA);
        return a.getLong(s + H_HASH) == h && a.getByte(s + H_KEY) == keyFlags
                && (a.getShort(s + H_QTYPE, BE) & 0xFFFF) == qtype && (a.getShort(s + H_QCLASS, BE) & 0xFFFF) == qclass
                && (a.getShort(s + H_QNAME, BE) & 0xFFFF) == nameLen
                && data >= 0 && data + DnsHeader.LENGTH + nameLen <= a.capacity()
                && Names.equalsIgnoreCase(a, data + DnsHeader.LENGTH, name, nameOff, nameLen);
    }

    /** Seconds left on entry {@code g}; a plain read, for decisions only. */
    long remaining(int g, long now) {
        UnsafeBuffer a = arena[g / perShard];
        int s = (g % perShard) * SLOT;
        return remaining(a.getLong(s + H_STORED), a.getInt(s + H_DURATION), now);
    }

    int flags(int g) {
        return arena[g / perShard].getByte((g % perShard) * SLOT + H_FLAGS);
    }

    int duration(int g) {
        return arena[g / perShard].getInt((g % perShard) * SLOT + H_DURATION);
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
        int shard = g / perShard;
        int s = (g % perShard) * SLOT;
        UnsafeBuffer a = arena[shard];
        long v = a.getLongAcquire(s + H_SEQ);
        if ((v & 1) != 0 || (checkedUnder(v) != found >>> 32 && !keyMatches(a, s, h, keyFlags, q, req))) {
            return MISS;
        }
        int duration = a.getInt(s + H_DURATION);
        long remaining = remaining(a.getLong(s + H_STORED), duration, now);
        int data = a.getInt(s + H_DATA);
        int len = a.getShort(s + H_LEN, BE) & 0xFFFF;
        int ttls = a.getShort(s + H_TTLS, BE) & 0xFFFF;
        int opt = a.getShort(s + H_OPT, BE) & 0xFFFF;
        if (!usable(remaining, staleSeconds) || len < DnsHeader.LENGTH || len + 2 * ttls > LARGE
                || data + len + 2 * ttls > a.capacity() || opt >= len) {
            return MISS;
        }
        boolean stale = remaining <= 0;
        int ttl = stale && staleTtl > 0 ? staleTtl : keepTtl ? duration : stale ? 0 : (int) remaining;
        int copy = !keepOpt && opt > 0 ? opt : len;
        if (out.capacity() < copy) {
            out.checkLimit(copy);
        }
        out.putBytes(0, a, data, copy);
        for (int k = 0; k < ttls; k++) {
            int at = a.getShort(data + len + 2 * k, BE) & 0xFFFF;
            if (at + 4 > copy) {
                return MISS;
            }
            out.putInt(at, ttl, BE);
        }
        VarHandle.acquireFence();
        if (a.getLongOpaque(s + H_SEQ) != v) {
            return MISS;
        }
        if (copy != len) {
            DnsHeader.arcount(out, 0, DnsHeader.arcount(out, 0) - 1);
        }
        return ((long) copy << 32) | ((int) Math.max(Integer.MIN_VALUE + 1, Math.min(Integer.MAX_VALUE, remaining)) & 0xFFFFFFFFL);
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
            UnsafeBuffer a = arena[shard];
            if (!isNew && keepAnswering) {
                int s = local * SLOT;
                if ((a.getByte(s + H_FLAGS) & ANSWERING) != 0
                        && usable(remaining(a.getLong(s + H_STORED), a.getInt(s + H_DURATION), now), staleSeconds)) {
                    return false;
                }
            }
            if (isNew) {
                local = takeEntry(shard);
            }
            int g = shard * perShard + local;
            int data = local * SLOT + HEADER;
            if (payload > SMALL_PAYLOAD) {
                if (largeOf[g] < 0) {
                    largeOf[g] = takeLarge(shard, local);
                }
                data = perShard * SLOT + largeOf[g] * LARGE;
            } else if (largeOf[g] >= 0) {
                releaseLarge(shard, g);
            }
            int s = local * SLOT;
            long v = beginWrite(a, s, shard);
            hashOf[g] = h;
            a.putLong(s + H_HASH, h);
            a.putLong(s + H_STORED, now);
            a.putInt(s + H_DURATION, duration);
            a.putInt(s + H_DATA, data);
            a.putShort(s + H_LEN, (short) len, BE);
            a.putShort(s + H_TTLS, (short) ttlCount, BE);
            a.putShort(s + H_QTYPE, (short) qtype, BE);
            a.putShort(s + H_QCLASS, (short) qclass, BE);
            a.putShort(s + H_OPT, (short) optStart, BE);
            a.putByte(s + H_KEY, (byte) keyFlags);
            a.putByte(s + H_FLAGS, (byte) entryFlags);
            a.putShort(s + H_QNAME, (short) qnameLen, BE);
            a.putBytes(data, msg, 0, len);
            int written = CacheWire.writeTtlOffsets(msg, len, a, data + len, ttlCount);
            if (written != ttlCount) {
                a.putShort(s + H_TTLS, (short) written, BE);
            }
            a.putLongRelease(s + H_SEQ, v);
            if (isNew) {
                index.insert(shard, h, local);
            }
            activity.stored(g, isNew);
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
                freeEntries[shard * perShard + freeTop[shard]++] = local;
                live[shard]--;
            }
        } finally {
            unlock(shard);
        }
    }

    /** A free entry, or a random one evicted (a full shard has every entry live). */
    private int takeEntry(int shard) {
        if (freeTop[shard] > 0) {
            live[shard]++;
            return freeEntries[shard * perShard + --freeTop[shard]];
        }
        int victim = nextRandom(shard, perShard);
        drop(shard, victim);
        evictions.increment();
        return victim;
    }

    /** A free large slot, or one taken from a random other holder, which is evicted. */
    private int takeLarge(int shard, int local) {
        if (largeTop[shard] > 0) {
            int j = freeLarge[shard * largePerShard + --largeTop[shard]];
            largeOwner[shard * largePerShard + j] = local;
            return j;
        }
        int j = nextRandom(shard, largePerShard);
        int owner = largeOwner[shard * largePerShard + j];
        drop(shard, owner);
        freeEntries[shard * perShard + freeTop[shard]++] = owner;
        live[shard]--;
        evictions.increment();
        j = freeLarge[shard * largePerShard + --largeTop[shard]];
        largeOwner[shard * largePerShard + j] = local;
        return j;
    }

    private void releaseLarge(int shard, int g) {
        int j = largeOf[g];
        largeOwner[shard * largePerShard + j] = -1;
        freeLarge[shard * largePerShard + largeTop[shard]++] = j;
        largeOf[g] = -1;
    }

    /** Unlinks an entry: its tag leaves the index and readers holding it see a new sequence number. */
    private void drop(int shard, int local) {
        int g = shard * perShard + local;
        UnsafeBuffer a = arena[shard];
        int s = local * SLOT;
        index.remove(shard, hashOf[g], local);
        long v = beginWrite(a, s, shard);
        a.putLong(s + H_HASH, 0);
        a.putShort(s + H_LEN, (short) 0, BE);
        a.putLongRelease(s + H_SEQ, v);
        if (largeOf[g] >= 0) {
            releaseLarge(shard, g);
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

    private int locate(int shard, long h, int keyFlags, int qtype, int qclass, DirectBuffer name, int nameOff, int nameLen) {
        UnsafeBuffer a = arena[shard];
        for (int n = 0, pos = index.home(h); n < index.size(); n++, pos = index.next(pos)) {
            long tag = index.read(shard, pos);
            if (tag == 0) {
                return -1;
            }
            if (CacheIndex.sameHash(tag, h)
                    && keyMatches(a, CacheIndex.entry(tag) * SLOT, h, keyFlags, qtype, qclass, name, nameOff, nameLen)) {
                return CacheIndex.entry(tag);
            }
        }
        return -1;
    }

    private int nextRandom(int shard, int bound) {
        long r = random[shard];
        r ^= r << 13;
        r ^= r >>> 7;
        r ^= r << 17;
        random[shard] = r;
        return (int) ((r >>> 1) % bound);
    }

    private void lock(int shard) {
        int at = shard << 4;
        for (int spins = 0; !INTS.compareAndSet(locks, at, 0, 1); spins++) {
            if (spins < 64) {
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
