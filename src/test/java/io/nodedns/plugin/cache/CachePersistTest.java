package io.nodedns.plugin.cache;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.nodedns.testing.DnsClient;
import io.nodedns.testing.LogCapture;
import io.nodedns.wire.DnsHeader;
import io.nodedns.wire.Names;
import io.nodedns.wire.QueryView;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.xbill.DNS.Message;
import org.xbill.DNS.Rcode;
import org.xbill.DNS.Section;
import org.xbill.DNS.Type;

/** The persist file: round trip, ageing, expiry, rejection of torn and foreign files, the zones filter. */
class CachePersistTest {
    private static final long T0 = 1_000_000_000_000L;
    private static final long EPOCH_MS = 1_800_000_000_000L;
    private static final long MISS = Long.MIN_VALUE;

    @TempDir
    Path dir;

    private static CacheConfig config(List<String> zones, Duration staleUpTo) {
        CacheConfig.Builder b = new CacheConfig.Builder();
        b.zones = zones;
        b.staleUpTo = staleUpTo;
        b.success = new CacheConfig.StoreLimits(1000, 3600, 5);
        b.denial = new CacheConfig.StoreLimits(1000, 1800, 5);
        return b.build();
    }

    private static CacheConfig config() {
        return config(List.of("."), Duration.ZERO);
    }

    /** Stores a reply as the store path does (name at 12, TTL offsets from a scan). */
    private static void put(CacheStore store, Message reply, int duration, long now) {
        byte[] w = reply.toWire();
        UnsafeBuffer b = new UnsafeBuffer(w);
        int qend = CacheWire.questionEnd(b, w.length);
        int nameLen = qend - 4 - DnsHeader.LENGTH;
        int qtype = b.getShort(qend - 4, ByteOrder.BIG_ENDIAN) & 0xFFFF;
        long scan = CacheWire.scan(b, w.length, EPOCH_MS / 1000);
        long h = CacheIndex.hash(Names.hashLowerCase(b, DnsHeader.LENGTH, nameLen), qtype, 1, 0);
        assertTrue(store.put(h, 0, CacheStore.ANSWERING, qtype, 1, nameLen, b, w.length, CacheWire.ttlCount(scan), 0,
                duration, now, false, 0));
    }

    private static Message answer(String name, int ttl) {
        return Replies.answerA(DnsClient.query(name, Type.A), ttl, "192.0.2.7");
    }

    private static Message nxdomain(String name) {
        Message r = Replies.reply(DnsClient.query(name, Type.A), Rcode.NXDOMAIN);
        return Replies.with(r, Section.AUTHORITY, Replies.soa("example.org.", 300, 300));
    }

    /** The seconds left on the entry a real query for {@code name} finds at {@code now}; {@link #MISS} if none. */
    private static long lookup(CacheStore store, String name, long now, long staleSeconds) {
        byte[] w = DnsClient.query(name, Type.A).toWire();
        UnsafeBuffer req = new UnsafeBuffer(w);
        QueryView q = new QueryView();
        assertEquals(QueryView.OK, q.wrap(req, 0, w.length));
        int keyFlags = CacheHandler.keyFlags(q);
        long found = store.find(CacheIndex.hash(q, keyFlags), keyFlags, q, req, now, staleSeconds);
        return found < 0 ? MISS : store.remaining(CacheStore.entry(found), now);
    }

    private record Seen(int duration, long remainingNanos, byte[] reply) {
    }

    private static List<Seen> entries(CacheStore store, long now) throws Exception {
        List<Seen> seen = new ArrayList<>();
        store.forEach(now, (keyFlags, entryFlags, duration, remaining, msg, off, len, opt) -> {
            byte[] copy = new byte[len];
            msg.getBytes(off, copy);
            seen.add(new Seen(duration, remaining, copy));
        });
        return seen;
    }

    @Test
    void roundTripAgesByTheTimeDown() throws Exception {
        CacheConfig config = config();
        CacheState before = new CacheState(config);
        for (int i = 0; i < 50; i++) {
            put(before.success, answer("n" + i + ".example.org.", 600), 600, T0);
        }
        put(before.denial, nxdomain("gone.example.org."), 300, T0);
        Path file = dir.resolve("cache.bin");
        long written = T0 + 100 * 1_000_000_000L; // 100 s after storing
        assertEquals(51, CachePersist.save(file, config, before, written, EPOCH_MS));

        CacheState after = new CacheState(config);
        long start = 5_000_000L; // another process: its monotonic clock has nothing to do with the first's
        CachePersist.Loaded r = CachePersist.load(file, config, after, start, EPOCH_MS + 30_000, EPOCH_MS / 1000);
        assertNull(r.rejected());
        assertEquals(51, r.read());
        assertEquals(51, r.loaded());
        assertEquals(30_000, r.ageMillis());
        assertEquals(50, after.success.entries());
        assertEquals(1, after.denial.entries());
        assertEquals(600 - 100 - 30, lookup(after.success, "n7.example.org.", start, 0),
                "aged by the time stored and down");
        assertEquals(300 - 130, lookup(after.denial, "GONE.example.org.", start, 0), "denials too, any case");
        List<Seen> a = entries(before.success, written);
        List<Seen> b = entries(after.success, start);
        assertEquals(a.size(), b.size());
        for (Seen s : b) {
            assertTrue(a.stream().anyMatch(x -> java.util.Arrays.equals(x.reply(), s.reply())), "reply bytes kept");
            assertEquals(600, s.duration());
        }
    }

    @Test
    void expiredEntriesAreDroppedUnlessServeStaleCoversThem() throws Exception {
        CacheConfig config = config();
        CacheState before = new CacheState(config);
        put(before.success, answer("short.example.org.", 30), 30, T0);
        put(before.success, answer("long.example.org.", 600), 600, T0);
        Path file = dir.resolve("cache.bin");
        CachePersist.save(file, config, before, T0, EPOCH_MS);

        CacheState plain = new CacheState(config);
        CachePersist.Loaded r = CachePersist.load(file, config, plain, T0, EPOCH_MS + 31_000, EPOCH_MS / 1000);
        assertEquals(2, r.read());
        assertEquals(1, r.loaded(), "the 30 s entry ran out while down");
        assertEquals(MISS, lookup(plain.success, "short.example.org.", T0, 0));
        assertEquals(569, lookup(plain.success, "long.example.org.", T0, 0));

        CacheConfig stale = config(List.of("."), Duration.ofHours(1));
        CacheState kept = new CacheState(stale);
        assertEquals(2, CachePersist.load(file, stale, kept, T0, EPOCH_MS + 31_000, EPOCH_MS / 1000).loaded());
        assertEquals(-1, lookup(kept.success, "short.example.org.", T0, 3600), "expired by 1 s: served stale");
        assertEquals(MISS, lookup(kept.success, "short.example.org.", T0, 0), "but not fresh");
        CacheState late = new CacheState(stale);
        assertEquals(1,
                CachePersist.load(file, stale, late, T0, EPOCH_MS + 31_000 + 3600_000, EPOCH_MS / 1000).loaded(),
                "beyond the stale window: dropped");
    }

    @Test
    void aSignedAnswerWhoseSignatureRanOutWhileDownIsDropped() throws Exception {
        CacheConfig config = config();
        CacheState before = new CacheState(config);
        java.time.Instant now = java.time.Instant.ofEpochMilli(EPOCH_MS);
        Message signed = Replies.with(Replies.with(answer("signed.example.org.", 600), Section.ANSWER,
                Replies.rrsig("signed.example.org.", 600, now.plusSeconds(100), now.minusSeconds(100))),
                Section.ADDITIONAL, Replies.opt(true, List.of()));
        put(before.success, signed, 600, T0);
        Path file = dir.resolve("cache.bin");
        CachePersist.save(file, config, before, T0, EPOCH_MS);
        long epoch = EPOCH_MS / 1000;
        assertEquals(1,
                CachePersist.load(file, config, new CacheState(config), T0, EPOCH_MS + 50_000, epoch + 50).loaded());
        CachePersist.Loaded r = CachePersist.load(file, config, new CacheState(config), T0, EPOCH_MS + 200_000,
                epoch + 200);
        assertEquals(1, r.read());
        assertEquals(0, r.loaded(), "the RRSIG expired while down: the store path would not have kept it");
    }

    @Test
    void onlyEntriesInTheBlocksZonesLoad() throws Exception {
        CacheConfig all = config();
        CacheState before = new CacheState(all);
        put(before.success, answer("a.cluster.local.", 600), 600, T0);
        put(before.success, answer("b.example.org.", 600), 600, T0);
        put(before.success, answer("cluster.local.", 600), 600, T0);
        Path file = dir.resolve("cache.bin");
        CachePersist.save(file, all, before, T0, EPOCH_MS);

        CacheConfig cluster = config(List.of("cluster.local."), Duration.ZERO);
        CacheState after = new CacheState(cluster);
        CachePersist.Loaded r = CachePersist.load(file, cluster, after, T0, EPOCH_MS, EPOCH_MS / 1000);
        assertEquals(3, r.read());
        assertEquals(2, r.loaded());
        assertEquals(MISS, lookup(after.success, "b.example.org.", T0, 0), "a zone this block does not serve");
        assertEquals(600, lookup(after.success, "a.cluster.local.", T0, 0));
    }

    @Test
    void tornCorruptAndForeignFilesAreRejectedWhole() throws Exception {
        CacheConfig config = config();
        CacheState before = new CacheState(config);
        for (int i = 0; i < 20; i++) {
            put(before.success, answer("n" + i + ".example.org.", 600), 600, T0);
        }
        Path file = dir.resolve("cache.bin");
        CachePersist.save(file, config, before, T0, EPOCH_MS);
        byte[] good = Files.readAllBytes(file);

        byte[] flipped = good.clone();
        flipped[good.length / 2] ^= 0x40;
        assertRejected(flipped, "checksum mismatch");
        assertRejected(java.util.Arrays.copyOf(good, good.length - 100), "checksum mismatch");
        assertRejected(java.util.Arrays.copyOf(good, 10), "too short");
        byte[] foreign = new byte[4096];
        new java.util.Random(1).nextBytes(foreign);
        assertRejected(foreign, "checksum mismatch");
        assertRejected(withChecksum(java.util.Arrays.copyOf(good, good.length - 4), 11, (byte) 2), "version 2");
        assertRejected(withChecksum(java.util.Arrays.copyOf(good, good.length - 4), 0, (byte) 'X'), "bad magic");
        assertRejected(new byte[0], "too short");

        CacheState ok = new CacheState(config);
        Files.write(file, good);
        assertEquals(20, CachePersist.load(file, config, ok, T0, EPOCH_MS, EPOCH_MS / 1000).loaded(),
                "the intact file loads");
    }

    /** Rewrites one byte of a file body and appends a valid checksum, so the later checks are reached. */
    private static byte[] withChecksum(byte[] body, int at, byte value) {
        body[at] = value;
        java.util.zip.CRC32C crc = new java.util.zip.CRC32C();
        crc.update(body);
        byte[] out = java.util.Arrays.copyOf(body, body.length + 4);
        int sum = (int) crc.getValue();
        new UnsafeBuffer(out).putInt(body.length, sum, ByteOrder.BIG_ENDIAN);
        return out;
    }

    private void assertRejected(byte[] content, String why) throws Exception {
        Path file = dir.resolve("bad.bin");
        Files.write(file, content);
        CacheConfig config = config();
        CacheState state = new CacheState(config);
        CachePersist.Loaded r = CachePersist.load(file, config, state, T0, EPOCH_MS, EPOCH_MS / 1000);
        assertNotNull(r.rejected(), why);
        assertTrue(r.rejected().contains(why), r.rejected() + " lacks " + why);
        assertEquals(0, state.success.entries() + state.denial.entries(), "nothing loaded from a rejected file");
        try (LogCapture log = new LogCapture()) {
            CachePersist.loadLogged(file, config, state, CacheClock.SYSTEM); // logs, never throws
            assertTrue(log.lines().stream().anyMatch(l -> l.contains("[ERROR] plugin/cache: persist: ignoring " + file)
                    && l.contains("starting with an empty cache")), log.lines().toString());
        }
    }

    @Test
    void writingReplacesTheFileAtomicallyAndLeavesNoTemporaryFile() throws Exception {
        CacheConfig config = config();
        CacheState state = new CacheState(config);
        put(state.success, answer("x.example.org.", 600), 600, T0);
        Path file = dir.resolve("cache.bin");
        Files.writeString(file, "old");
        CachePersist.save(file, config, state, T0, EPOCH_MS);
        try (var files = Files.list(dir)) {
            assertEquals(List.of(file), files.toList());
        }
        byte[] head = java.util.Arrays.copyOf(Files.readAllBytes(file), CachePersist.MAGIC.length);
        assertArrayEquals(CachePersist.MAGIC, head);
    }
}
