package io.nodedns.plugin.cache;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.nodedns.wire.DnsHeader;
import io.nodedns.wire.Names;
import io.nodedns.wire.QueryView;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.agrona.ExpandableDirectByteBuffer;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;

/** Issue 17 build 1: a store's memory follows what it holds, in chunks, up to its capacity. */
class CacheGrowthTest {
    private static final ByteOrder BE = ByteOrder.BIG_ENDIAN;

    @Test
    void anEmptyDefaultCacheHoldsTensOfKilobytesNotMegabytes() {
        CacheStore store = new CacheStore(CacheConfig.DEFAULT_CAPACITY);
        long empty = store.memoryBytes();
        long max = CacheStore.bytesFor(CacheConfig.DEFAULT_CAPACITY);
        System.out.printf("default store: %d bytes empty, %d at capacity (%d entries)%n", empty, max, store.capacity());
        assertTrue(empty < 48 * 1024, "empty store: " + empty);
        assertTrue(max > 9_000_000, "the maximum still counts every slot: " + max);
    }

    @Test
    void theHeapAnEmptyDefaultCacheHoldsMatchesItsFigure() {
        MemoryMXBean heap = ManagementFactory.getMemoryMXBean();
        int n = 40;
        List<CacheState> states = new ArrayList<>();
        long before = usedAfterGc(heap);
        CacheConfig config = new CacheConfig.Builder().build();
        for (int i = 0; i < n; i++) {
            states.add(new CacheState(config));
        }
        long after = usedAfterGc(heap);
        long perCache = (after - before) / n;
        long figure = states.getFirst().success.memoryBytes() + states.getFirst().denial.memoryBytes();
        System.out.printf("heap per empty default cache: %d bytes measured (%d caches), %d reported%n", perCache, n,
                figure);
        assertTrue(perCache < 160 * 1024, "heap per empty cache: " + perCache);
        assertTrue(states.size() == n);
    }

    private static long usedAfterGc(MemoryMXBean heap) {
        long used = Long.MAX_VALUE;
        for (int i = 0; i < 4; i++) {
            System.gc();
            used = Math.min(used, heap.getHeapMemoryUsage().getUsed());
        }
        return used;
    }

    @Test
    void aShardGrowsOneChunkAtATimeUpToItsCapacityAndNoFurther() {
        int perShard = 40;
        CacheStore store = new CacheStore(CacheStore.SHARDS * perShard);
        int chunk = 1 << CacheArena.chunkShift(perShard);
        assertEquals(8, chunk);
        UnsafeBuffer msg = new UnsafeBuffer(new byte[4096]);
        long memory = store.memoryBytes();
        int grew = 0;
        for (int i = 0; i < perShard * 25; i++) {
            int len = reply(msg, i, 1);
            store.put(shard0(i), 0, 0, 1, 1, qnameLength(i), msg, len, 1, 0, 300, 0, false, 0);
            long now = store.memoryBytes();
            if (now != memory) {
                grew++;
                assertTrue(i < perShard && i % chunk == 0, "grew at entry " + i);
                memory = now;
            }
        }
        assertEquals(perShard / chunk, grew, "one growth per chunk");
        assertEquals(perShard, store.entries(), "shard 0 full, the others empty");
        assertEquals(perShard * 25 - perShard, store.evictions());
        // Large replies take 4 KiB slots one at a time, up to perShard / 8.
        long beforeLarge = store.memoryBytes();
        for (int i = 0; i < 20; i++) {
            int len = reply(msg, 100_000 + i, 30);
            store.put(shard0(100_000 + i), 0, 0, 1, 1, qnameLength(100_000 + i), msg, len, 30, 0, 300, 0, false, 0);
        }
        long large = store.memoryBytes() - beforeLarge;
        assertEquals(perShard / 8 * (16 + CacheArena.LARGE + 8), large, "five large slots and no more");
        assertTrue(store.memoryBytes() < CacheStore.bytesFor(CacheStore.SHARDS * perShard));
    }

    @Test
    void readersRacingAGrowingStoreNeverThrowNorServeAnotherKey() throws Exception {
        int keys = 4096;
        UnsafeBuffer[] questions = new UnsafeBuffer[keys];
        for (int k = 0; k < keys; k++) {
            questions[k] = question(name(k));
        }
        AtomicReference<String> failure = new AtomicReference<>();
        AtomicLong hits = new AtomicLong();
        long deadline = System.nanoTime() + 2_000_000_000L;
        int rounds = 0;
        while (System.nanoTime() < deadline && failure.get() == null) {
            rounds++;
            CacheStore store = new CacheStore(2048); // 8 per shard: growth, then eviction, in every round
            List<Thread> threads = new ArrayList<>();
            for (int t = 0; t < 4; t++) {
                boolean writer = t == 0;
                int seed = t;
                threads.add(Thread.ofPlatform().start(() -> {
                    QueryView q = new QueryView();
                    UnsafeBuffer msg = new UnsafeBuffer(new byte[4096]);
                    ExpandableDirectByteBuffer out = new ExpandableDirectByteBuffer(4096);
                    try {
                        for (int i = 0; i < keys * 2; i++) {
                            int k = writer ? i % keys : (i * 31 + seed * 977) % keys;
                            q.wrap(questions[k], 0, questions[k].capacity());
                            long h = CacheIndex.hash(q, 0);
                            if (writer) {
                                int records = k % 7 == 0 ? 40 : 1; // some large slots too
                                int len = reply(msg, k, records);
                                store.put(h, 0, 0, 1, 1, q.qnameLength(), msg, len, records, 0, 300, 0, false, 0);
                                continue;
                            }
                            long found = store.find(h, 0, q, questions[k], 0, 0);
                            long copied = found < 0
                                    ? CacheStore.MISS
                                    : store.copyOut(found, h, 0, q, questions[k], 0, 0, false, 0, true, out);
                            if (copied != CacheStore.MISS) {
                                int records = DnsHeader.ancount(out, 0);
                                int end = 12 + q.qnameLength() + 4;
                                boolean ok = Names.equalsIgnoreCase(out, 12, questions[k], 12, q.qnameLength())
                                        && records == (k % 7 == 0 ? 40 : 1)
                                        && (int) (copied >>> 32) == end + 16 * records;
                                for (int r = 0; ok && r < records; r++) {
                                    ok = out.getInt(end + 16 * r + 12, BE) == k;
                                }
                                if (!ok) {
                                    failure.compareAndSet(null, "key " + k + " served a wrong reply");
                                }
                                hits.incrementAndGet();
                            }
                        }
                    } catch (RuntimeException e) {
                        failure.compareAndSet(null, e.toString());
                    }
                }));
            }
            for (Thread t : threads) {
                t.join();
            }
            assertTrue(store.entries() <= 2048);
        }
        assertEquals(null, failure.get());
        assertTrue(hits.get() > 1000, "hits: " + hits.get());
        System.out.printf("growth race: %d fresh stores, %d consistent hits%n", rounds, hits.get());
    }

    /** A hash in shard 0, distinct per i. */
    private static long shard0(int i) {
        long h = (i + 1) * 0x9E3779B97F4A7C15L;
        return (h ^ (h >>> 29)) & ~0xFFL;
    }

    private static String name(int i) {
        return "n" + i + ".example.org";
    }

    private static int qnameLength(int i) {
        return name(i).length() + 2;
    }

    private static UnsafeBuffer question(String name) {
        UnsafeBuffer q = new UnsafeBuffer(new byte[64]);
        q.putShort(4, (short) 1, BE);
        int end = 12 + Names.fromString(name, q, 12);
        q.putShort(end, (short) 1, BE);
        q.putShort(end + 2, (short) 1, BE);
        return new UnsafeBuffer(q, 0, end + 4);
    }

    /** A NOERROR reply for name(i)/A with {@code records} A records whose address is i. */
    private static int reply(UnsafeBuffer msg, int i, int records) {
        msg.setMemory(0, 12, (byte) 0);
        msg.putShort(2, (short) 0x8180, BE);
        msg.putShort(4, (short) 1, BE);
        msg.putShort(6, (short) records, BE);
        int pos = 12 + Names.fromString(name(i), msg, 12);
        msg.putShort(pos, (short) 1, BE);
        msg.putShort(pos + 2, (short) 1, BE);
        pos += 4;
        for (int r = 0; r < records; r++, pos += 16) {
            msg.putShort(pos, (short) 0xC00C, BE);
            msg.putInt(pos + 2, 0x00010001, BE);
            msg.putInt(pos + 6, 300, BE);
            msg.putShort(pos + 10, (short) 4, BE);
            msg.putInt(pos + 12, i, BE);
        }
        return pos;
    }
}
