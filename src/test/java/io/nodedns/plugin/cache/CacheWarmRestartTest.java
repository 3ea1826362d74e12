package io.nodedns.plugin.cache;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.nodedns.testing.DnsClient;
import io.nodedns.testing.FakeUpstream;
import io.nodedns.testing.FreePorts;
import io.nodedns.testing.LogCapture;
import io.nodedns.testing.TestServer;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.xbill.DNS.ARecord;
import org.xbill.DNS.Message;
import org.xbill.DNS.Rcode;
import org.xbill.DNS.Record;
import org.xbill.DNS.Section;
import org.xbill.DNS.Type;

/**
 * Issue 17's acceptance: a warm restart answers 1000 previously cached names from cache, from the
 * first query after start. Two real servers in turn on loopback, forwarding to a counting upstream;
 * the first is stopped the way SIGTERM stops it ({@code Server.stop()}).
 */
class CacheWarmRestartTest {
    private static final int NAMES = 1000;
    private static final int TTL = 60;

    @TempDir
    Path dir;

    private static long upstreamQueries(FakeUpstream up) {
        return up.queries().stream().filter(q -> !q.isProbe()).count();
    }

    private static String name(int i) {
        return "host" + i + ".warm.test.";
    }

    private String corefile(int port, FakeUpstream up, Path file) {
        return ".:" + port + " {\n cache {\n  persist " + file + "\n }\n forward . " + up.hostPort() + "\n}\n";
    }

    @Test
    void aRestartedServerAnswersEveryCachedNameFromTheFirstQuery() throws Exception {
        Path file = dir.resolve("cache.bin");
        try (FakeUpstream up = FakeUpstream.start()) {
            int port = FreePorts.udpAndTcp();
            String corefile = corefile(port, up, file);
            try (TestServer first = TestServer.fromText(corefile); DnsClient client = new DnsClient(port)) {
                for (int i = 0; i < NAMES; i++) {
                    Message r = client.udp(DnsClient.query(name(i), Type.A));
                    assertEquals(Rcode.NOERROR, r.getRcode(), name(i));
                }
                assertEquals(NAMES, upstreamQueries(up), "every name asked upstream once");
                try (LogCapture log = new LogCapture()) {
                    first.close(); // Server.stop(): the SIGTERM path
                    assertTrue(log.lines().stream().anyMatch(l -> l.contains("persist: wrote " + NAMES + " entries")),
                            log.lines().toString());
                }
            }
            long size = Files.size(file);
            Thread.sleep(2_100); // down for two seconds: the answers after the restart must show it

            long start = System.nanoTime();
            try (LogCapture log = new LogCapture();
                    TestServer second = TestServer.fromText(corefile);
                    DnsClient client = new DnsClient(port)) {
                Message firstReply = client.udp(DnsClient.query(name(0), Type.A));
                long firstAnswerMicros = (System.nanoTime() - start) / 1000;
                assertEquals(NAMES, upstreamQueries(up), "the very first query after start is a hit");
                assertTtlAged(firstReply, name(0));
                for (int i = 0; i < NAMES; i++) {
                    assertTtlAged(client.udp(DnsClient.query(name(i), Type.A)), name(i));
                }
                assertEquals(NAMES, upstreamQueries(up), "all " + NAMES + " names answered from cache");
                String loaded = log.lines().stream().filter(l -> l.contains("persist: loaded")).findFirst().orElse("");
                assertTrue(loaded.contains("loaded " + NAMES + " of " + NAMES + " entries"), log.lines().toString());
                System.out.println("[figures] persist file for " + NAMES + " names: " + size + " bytes; " + loaded
                        + "; start to first answer " + firstAnswerMicros + " us");
            }
        }
    }

    private static void assertTtlAged(Message reply, String name) {
        assertTtlAged(reply, name, TTL - 2);
    }

    private static void assertTtlAged(Message reply, String name, int most) {
        assertEquals(Rcode.NOERROR, reply.getRcode(), name);
        Record[] answers = reply.getSectionArray(Section.ANSWER);
        assertEquals(1, answers.length, name);
        assertTrue(answers[0] instanceof ARecord, name);
        long ttl = answers[0].getTTL();
        assertTrue(ttl > 0 && ttl <= most, name + ": TTL " + ttl + " above " + most);
    }

    @Test
    void aCorruptFileIsLoggedAndTheServerStartsWithAnEmptyCache() throws Exception {
        Path file = dir.resolve("cache.bin");
        byte[] torn = java.util.Arrays.copyOf(CachePersist.MAGIC, 64); // right magic, then garbage: a torn write
        java.util.Arrays.fill(torn, CachePersist.MAGIC.length, torn.length, (byte) 9);
        Files.write(file, torn);
        try (FakeUpstream up = FakeUpstream.start()) {
            int port = FreePorts.udpAndTcp();
            try (LogCapture log = new LogCapture();
                    TestServer server = TestServer.fromText(corefile(port, up, file));
                    DnsClient client = new DnsClient(port)) {
                assertTrue(log.lines().stream()
                        .anyMatch(l -> l.startsWith("[ERROR] plugin/cache: persist: ignoring " + file)
                                && l.contains("checksum mismatch")),
                        log.lines().toString());
                assertEquals(Rcode.NOERROR, client.udp(DnsClient.query(name(1), Type.A)).getRcode());
                assertEquals(1, upstreamQueries(up), "a miss: nothing came from the bad file");
                server.close();
            }
            try (var in = Files.newInputStream(file)) {
                assertEquals('N', in.read(), "the shutdown replaced the bad file with a good one");
            }
            CacheConfig.Builder b = new CacheConfig.Builder();
            CacheConfig config = b.build();
            CachePersist.Loaded r = CachePersist.load(file, config, new CacheState(config), 0,
                    System.currentTimeMillis(),
                    System.currentTimeMillis() / 1000);
            assertEquals(null, r.rejected());
            assertEquals(1, r.loaded());
        }
    }

    @Test
    void aReloadThatKeepsTheStoreKeepsItsEntriesForTheShutdownAndWritesNothing() throws Exception {
        Path file = dir.resolve("cache.bin");
        Path corefile = dir.resolve("Corefile");
        try (FakeUpstream up = FakeUpstream.start()) {
            int port = FreePorts.udpAndTcp();
            Files.writeString(corefile, corefile(port, up, file));
            try (TestServer server = TestServer.fromFile(corefile); DnsClient client = new DnsClient(port)) {
                for (int i = 0; i < 10; i++) {
                    client.udp(DnsClient.query(name(i), Type.A));
                }
                Files.writeString(corefile, corefile(port, up, file).replace(" forward", " errors\n forward"));
                assertTrue(server.server().reload(), "a new configuration, same cache options");
                assertTrue(!Files.exists(file), "a reload writes nothing");
                for (int i = 0; i < 10; i++) {
                    assertTtlAged(client.udp(DnsClient.query(name(i), Type.A)), name(i), TTL);
                }
                assertEquals(10, upstreamQueries(up), "the store was kept");
                server.close();
            }
            CacheConfig config = new CacheConfig.Builder().build();
            CachePersist.Loaded r = CachePersist.load(file, config, new CacheState(config), 0,
                    System.currentTimeMillis(),
                    System.currentTimeMillis() / 1000);
            assertEquals(10, r.loaded(), "the shutdown after the reload wrote the kept entries");
        }
    }
}
