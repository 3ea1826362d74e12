package io.nodedns.plugin.cache;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.nodedns.server.Result;
import io.nodedns.server.Transport;
import io.nodedns.testing.CacheUpstream;
import io.nodedns.wire.DnsHeader;
import io.nodedns.wire.Names;
import io.nodedns.wire.QueryView;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.agrona.DirectBuffer;
import org.agrona.ExpandableDirectByteBuffer;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;

/** Storage bounds (capacity, slot classes) and lock-free reads under concurrent stores. */
class CacheStoreTest {

    @Test
    void capacityRoundsLikeCoreDns() {
        assertEquals(9984, new CacheStore(10_000).capacity());
        assertEquals(1024, new CacheStore(0).capacity());
        assertEquals(1024, new CacheStore(100).capacity());
        assertEquals(2048, new CacheStore(2100).capacity());
    }

    @Test
    void entriesNeverExceedCapacityUnder100kUniqueNames() throws Exception {
        CacheUpstream[] up = new CacheUpstream[1];
        CacheHandler plugin = CacheDriver.build("cache", CacheClock.SYSTEM, up);
        CacheDriver driver = new CacheDriver(plugin, Transport.UDP);
        long empty = plugin.memoryBytes();
        for (int i = 0; i < 100_000; i++) {
            driver.name(i);
            driver.run();
            if (i % 1000 == 0) {
                assertTrue(plugin.state.success.entries() <= 9984);
            }
        }
        assertEquals(9984, plugin.state.success.entries());
        assertEquals(100_000 - 9984, plugin.state.success.evictions());
        long full = plugin.memoryBytes();
        assertTrue(full > empty && full <= plugin.maxMemoryBytes(), full + " vs " + plugin.maxMemoryBytes());
        System.out.printf("default cache memory: %d bytes empty, %d with %d success entries, at most %d%n",
                empty, full, plugin.state.success.entries(), plugin.maxMemoryBytes());
        // The newest names are still there: with no hits, CLOCK evicts the oldest first.
        int hits = 0;
        driver.ask(99_000, 100_000);
        hits = (int) plugin.state.successHits.sum();
        assertTrue(hits > 500, "hits among the last 1000: " + hits);
    }

    @Test
    void largeRepliesUseLargeSlotsAndOversizedOnesAreNotCached() throws Exception {
        CacheUpstream[] up = new CacheUpstream[1];
        CacheHandler plugin = CacheDriver.build("cache", CacheClock.SYSTEM, up);
        CacheDriver driver = new CacheDriver(plugin, Transport.TCP);
        up[0].spread(250); // 1 + version % 250 records of 16 bytes: from 16 bytes to past 4 KiB
        for (int i = 1; i <= 300; i++) {
            driver.name(i);
            int before = up[0].queries();
            driver.run();
            int records = DnsHeader.ancount(driver.ex.response(), 0);
            int payload = driver.ex.responseLength() + 2 * records;
            driver.run();
            boolean hit = up[0].queries() == before + 1;
            assertEquals(payload <= CacheStore.LARGE, hit, "records=" + records + " payload=" + payload);
            if (hit) {
                assertEquals(records, DnsHeader.ancount(driver.ex.response(), 0));
            }
        }
        assertTrue(plugin.oversized() > 0);
    }

    @Test
    void concurrentHitsAndStoresNeverServeTornReplies() throws Exception {
        CacheUpstream[] up = new CacheUpstream[1];
        // the smallest cache (1024 entries, one large slot per shard) under 3000 names: constant eviction
        CacheHandler plugin = CacheDriver.build("cache {\n success 1024\n}", CacheClock.SYSTEM, up);
        up[0].spread(40); // replies from 1 to 40 records: small and large slots
        int threads = Math.max(4, Runtime.getRuntime().availableProcessors());
        AtomicReference<String> failure = new AtomicReference<>();
        AtomicLong checked = new AtomicLong();
        List<Thread> workers = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
            int seed = t;
            workers.add(Thread.ofPlatform().start(() -> {
                CacheDriver driver = new CacheDriver(plugin, Transport.TCP);
                long x = seed * 0x9E3779B97F4A7C15L + 1;
                for (int k = 0; k < 100_000 && failure.get() == null; k++) {
                    x ^= x << 13;
                    x ^= x >>> 7;
                    x ^= x << 17;
                    int name = (int) ((x >>> 1) % 3000);
                    driver.name(name);
                    driver.upperCase((k & 1) == 0);
                    int r = driver.run();
                    String why = r == Result.WRITTEN ? check(driver) : "result " + r;
                    if (why != null) {
                        failure.compareAndSet(null, why);
                    }
                    checked.incrementAndGet();
                }
            }));
        }
        for (Thread w : workers) {
            w.join();
        }
        assertEquals(null, failure.get());
        assertTrue(plugin.state.success.entries() <= 1024);
        assertTrue(plugin.state.successHits.sum() > 0 && plugin.state.misses.sum() > 0, "both paths ran");
        System.out.printf("concurrency: %d replies checked, %d hits, %d misses, %d evictions%n", checked.get(),
                plugin.state.successHits.sum(), plugin.state.misses.sum(), plugin.state.success.evictions());
    }

    @Test
    void copyOutComparesTheKeyAgainOnlyIfTheEntryWasWrittenSinceFind() {
        CacheStore store = new CacheStore(1024);
        UnsafeBuffer a = question("a.example.org");
        UnsafeBuffer b = question("b.example.org");
        QueryView qa = new QueryView();
        qa.wrap(a, 0, a.capacity());
        QueryView qb = new QueryView();
        qb.wrap(b, 0, b.capacity());
        long ha = CacheIndex.hash(qa, 0);
        long hb = CacheIndex.hash(qb, 0);
        UnsafeBuffer reply = new UnsafeBuffer(new byte[a.capacity()]);
        reply.putBytes(0, a, 0, a.capacity());
        reply.putShort(2, (short) 0x8180, ByteOrder.BIG_ENDIAN);
        assertTrue(store.put(ha, 0, 0, 1, 1, qa.qnameLength(), reply, reply.capacity(), 0, 0, 300, 0, false, 0));
        ExpandableDirectByteBuffer out = new ExpandableDirectByteBuffer(512);
        long found = store.find(ha, 0, qa, a, 0, 0);
        assertTrue(found >= 0);
        assertEquals(-1, store.find(hb, 0, qb, b, 0, 0));
        long rewritten = found ^ (1L << 32); // as if the entry had been written after find checked it
        assertEquals(CacheStore.MISS, store.copyOut(rewritten, hb, 0, qb, b, 0, 0, false, 0, true, out),
                "a rewritten entry is checked against the key again");
        assertEquals(a.capacity(), store.copyOut(rewritten, ha, 0, qa, a, 0, 0, false, 0, true, out) >>> 32);
        assertEquals(a.capacity(), store.copyOut(found, ha, 0, qa, a, 0, 0, false, 0, true, out) >>> 32);
        assertTrue(store.put(ha, 0, 0, 1, 1, qa.qnameLength(), reply, reply.capacity(), 0, 0, 300, 0, false, 0));
        assertTrue(store.find(ha, 0, qa, a, 0, 0) != found, "a write changes the sequence number find reports");
    }

    /** A query for NAME/A/IN with no records. */
    private static UnsafeBuffer question(String name) {
        UnsafeBuffer q = new UnsafeBuffer(new byte[64]);
        q.putShort(4, (short) 1, ByteOrder.BIG_ENDIAN);
        int end = 12 + Names.fromString(name, q, 12);
        q.putShort(end, (short) 1, ByteOrder.BIG_ENDIAN);
        q.putShort(end + 2, (short) 1, ByteOrder.BIG_ENDIAN);
        return new UnsafeBuffer(q, 0, end + 4);
    }

    @Test
    void overwritesOfTheSameKeysBetweenSmallAndLargeSlotsAreNeverReadTorn() throws Exception {
        CacheStore store = new CacheStore(1024);
        int keys = 8;
        UnsafeBuffer[] requests = new UnsafeBuffer[keys];
        int[] lengths = new int[keys];
        for (int k = 0; k < keys; k++) {
            requests[k] = new UnsafeBuffer(new byte[64]);
            requests[k].putShort(4, (short) 1, ByteOrder.BIG_ENDIAN);
            lengths[k] = 12 + Names.fromString("k" + k + ".example.org", requests[k], 12);
            requests[k].putShort(lengths[k], (short) 1, ByteOrder.BIG_ENDIAN);
            requests[k].putShort(lengths[k] + 2, (short) 1, ByteOrder.BIG_ENDIAN);
            lengths[k] += 4;
        }
        AtomicReference<String> failure = new AtomicReference<>();
        AtomicLong reads = new AtomicLong();
        long deadline = System.nanoTime() + 1_000_000_000L;
        List<Thread> threads = new ArrayList<>();
        for (int t = 0; t < 6; t++) {
            boolean writer = t < 2;
            int seed = t;
            threads.add(Thread.ofPlatform().start(() -> {
                QueryView q = new QueryView();
                UnsafeBuffer msg = new UnsafeBuffer(new byte[4096]);
                ExpandableDirectByteBuffer out = new ExpandableDirectByteBuffer(4096);
                int v = seed;
                for (int i = 0; System.nanoTime() < deadline && failure.get() == null; i++) {
                    int k = (i * 7 + seed) % keys;
                    q.wrap(requests[k], 0, lengths[k]);
                    long h = CacheIndex.hash(q, 0);
                    if (writer) {
                        v += 2;
                        int n = 1 + v % 40;
                        msg.putBytes(0, requests[k], 0, lengths[k]);
                        msg.putShort(2, (short) 0x8180, ByteOrder.BIG_ENDIAN);
                        msg.putShort(6, (short) n, ByteOrder.BIG_ENDIAN);
                        int pos = lengths[k];
                        for (int r = 0; r < n; r++, pos += 16) {
                            msg.putShort(pos, (short) 0xC00C, ByteOrder.BIG_ENDIAN);
                            msg.putInt(pos + 2, 0x00010001, ByteOrder.BIG_ENDIAN);
                            msg.putInt(pos + 6, 300, ByteOrder.BIG_ENDIAN);
                            msg.putShort(pos + 10, (short) 4, ByteOrder.BIG_ENDIAN);
                            msg.putInt(pos + 12, v, ByteOrder.BIG_ENDIAN);
                        }
                        store.put(h, 0, 0, 1, 1, q.qnameLength(), msg, pos, n, 0, 300, 0, false, 0);
                        continue;
                    }
                    long found = store.find(h, 0, q, requests[k], 0, 0);
                    long copied = found < 0
                            ? CacheStore.MISS
                            : store.copyOut(found, h, 0, q, requests[k], 0, 0, false, 0, true, out);
                    if (copied == CacheStore.MISS) {
                        continue;
                    }
                    int len = (int) (copied >>> 32);
                    int n = DnsHeader.ancount(out, 0);
                    int version = out.getInt(lengths[k] + 12, ByteOrder.BIG_ENDIAN);
                    boolean ok = n == 1 + version % 40 && len == lengths[k] + 16 * n;
                    for (int r = 0; ok && r < n; r++) {
                        ok = out.getInt(lengths[k] + 16 * r + 12, ByteOrder.BIG_ENDIAN) == version
                                && out.getInt(lengths[k] + 16 * r + 6, ByteOrder.BIG_ENDIAN) == 300;
                    }
                    if (!ok) {
                        failure.compareAndSet(null, "torn read of k" + k + ": " + n + " records, version " + version);
                    }
                    reads.incrementAndGet();
                }
            }));
        }
        for (Thread t : threads) {
            t.join();
        }
        assertEquals(null, failure.get());
        assertTrue(reads.get() > 10_000, "consistent reads: " + reads.get());
        assertEquals(keys, store.entries());
        System.out.printf("seqlock: %d consistent reads while 2 writers rewrote %d keys%n", reads.get(), keys);
    }

    /** A reply is consistent if it answers this query and all its records carry one version v, 1 + v % 40 of them. */
    private static String check(CacheDriver d) {
        DirectBuffer b = d.ex.response();
        int len = d.ex.responseLength();
        if (DnsHeader.id(b, 0) != (d.query().getShort(0, ByteOrder.BIG_ENDIAN) & 0xFFFF)) {
            return "wrong id";
        }
        int nameLen = d.ex.query().qnameLength();
        for (int i = 0; i < nameLen; i++) {
            if (b.getByte(12 + i) != d.query().getByte(12 + i)) {
                return "question differs from the request's bytes";
            }
        }
        int n = DnsHeader.ancount(b, 0);
        int pos = 12 + nameLen + 4;
        int version = -1;
        int ttl = -1;
        for (int i = 0; i < n; i++) {
            if (pos + 16 > len || (b.getShort(pos, ByteOrder.BIG_ENDIAN) & 0xFFFF) != 0xC00C) {
                return "bad record layout";
            }
            int v = b.getInt(pos + 12, ByteOrder.BIG_ENDIAN);
            int t = b.getInt(pos + 6, ByteOrder.BIG_ENDIAN);
            if ((version >= 0 && v != version) || (ttl >= 0 && t != ttl)) {
                return "records from two versions or TTLs";
            }
            version = v;
            ttl = t;
            pos += 16;
        }
        if (n != 1 + version % 40 || pos != len) {
            return "record count " + n + " does not match version " + version;
        }
        return Names.labelCount(b, 12, nameLen) == 3 ? null : "bad name";
    }
}
