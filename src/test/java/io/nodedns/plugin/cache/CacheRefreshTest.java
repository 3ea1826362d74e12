package io.nodedns.plugin.cache;

import static io.nodedns.plugin.cache.Replies.answerA;
import static io.nodedns.plugin.cache.Replies.reply;
import static io.nodedns.plugin.cache.Replies.soa;
import static io.nodedns.plugin.cache.Replies.with;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.nodedns.testing.DnsClient;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.xbill.DNS.ARecord;
import org.xbill.DNS.Message;
import org.xbill.DNS.Rcode;
import org.xbill.DNS.Section;
import org.xbill.DNS.Type;

/** CoreDNS: prefetch and serve_stale, with a manual clock. */
class CacheRefreshTest {
    private static final String NAME = "refresh.example.org";

    private static String ip(Message m) {
        return ((ARecord) m.getSection(Section.ANSWER).getFirst()).getAddress().getHostAddress();
    }

    private static int ttl(Message m) {
        return (int) m.getSection(Section.ANSWER).getFirst().getTTL();
    }

    /** Answers 192.0.2.N for the Nth query with the given TTL; after {@code good} queries, SERVFAIL. */
    private static void numbered(CacheHarness h, long ttl, int good) {
        AtomicInteger n = new AtomicInteger();
        h.upstream.answer(q -> {
            int i = n.incrementAndGet();
            return i <= good ? answerA(q, ttl, "192.0.2." + i) : reply(q, Rcode.SERVFAIL);
        });
    }

    @Test
    void prefetchAtTenPercentOfTheTtl() throws Exception {
        try (CacheHarness h = new CacheHarness("cache {\n prefetch 1\n}")) {
            numbered(h, 80, 100);
            h.ask(NAME, Type.A);
            h.clock.advanceSeconds(71);
            assertEquals(9, ttl(h.ask(NAME, Type.A)));
            Thread.sleep(100);
            assertEquals(1, h.upstream.queries(), "remaining 9 > 8: no prefetch");
            h.clock.advanceSeconds(1);
            Message hit = h.ask(NAME, Type.A);
            assertEquals(8, ttl(hit));
            assertEquals("192.0.2.1", ip(hit), "the hit is served at once");
            assertTrue(h.awaitQueries(2));
            h.awaitIdle();
            Message refreshed = h.ask(NAME, Type.A);
            assertEquals("192.0.2.2", ip(refreshed));
            assertEquals(80, ttl(refreshed));
            assertEquals(1, h.plugin().state.prefetches.sum());
        }
    }

    @Test
    void prefetchOfAFiveSecondTtlAtOne() throws Exception {
        try (CacheHarness h = new CacheHarness("cache {\n prefetch 1\n}")) {
            numbered(h, 5, 100);
            h.ask(NAME, Type.A);
            h.clock.advanceSeconds(3);
            h.ask(NAME, Type.A);
            Thread.sleep(100);
            assertEquals(1, h.upstream.queries());
            h.clock.advanceSeconds(1);
            h.ask(NAME, Type.A);
            assertTrue(h.awaitQueries(2));
        }
    }

    @Test
    void prefetchZeroNeverPrefetches() throws Exception {
        try (CacheHarness h = new CacheHarness("cache {\n prefetch 0\n}")) {
            numbered(h, 80, 100);
            h.ask(NAME, Type.A);
            h.clock.advanceSeconds(79);
            h.ask(NAME, Type.A);
            Thread.sleep(100);
            assertEquals(1, h.upstream.queries());
        }
    }

    @Test
    void concurrentHitsCauseASinglePrefetch() throws Exception {
        try (CacheHarness h = new CacheHarness("cache {\n prefetch 1\n}")) {
            numbered(h, 80, 100);
            h.ask(NAME, Type.A);
            h.upstream.delayMillis(300);
            h.clock.advanceSeconds(75);
            List<Thread> threads = new ArrayList<>();
            AtomicInteger served = new AtomicInteger();
            for (int i = 0; i < 16; i++) {
                threads.add(Thread.ofPlatform().start(() -> {
                    try (DnsClient c = new DnsClient(h.port)) {
                        for (int k = 0; k < 5; k++) {
                            Message m = c.udp(DnsClient.query(NAME, Type.A));
                            if (m != null && ip(m).equals("192.0.2.1")) {
                                served.incrementAndGet();
                            }
                        }
                    } catch (Exception e) {
                        throw new RuntimeException(e);
                    }
                }));
            }
            for (Thread t : threads) {
                t.join();
            }
            assertEquals(80, served.get(), "every hit answered from the cache without waiting");
            assertTrue(h.awaitQueries(2));
            h.awaitIdle();
            Thread.sleep(100);
            assertEquals(2, h.upstream.queries(), "one prefetch for all the concurrent hits");
        }
    }

    @Test
    void servfailFromAPrefetchDoesNotShadowAValidPositiveEntry() throws Exception {
        try (CacheHarness h = new CacheHarness("cache {\n prefetch 1\n}")) {
            numbered(h, 80, 1);
            h.ask(NAME, Type.A);
            h.clock.advanceSeconds(72);
            h.ask(NAME, Type.A);
            assertTrue(h.awaitQueries(2));
            h.awaitIdle();
            assertEquals(1, h.plugin().state.denial.entries(), "the prefetch stored a SERVFAIL");
            Message m = h.ask(NAME, Type.A);
            assertEquals(Rcode.NOERROR, m.getRcode());
            assertEquals("192.0.2.1", ip(m));
        }
    }

    @Test
    void staleServedWithinTheWindowAndRefetchedAfterIt() throws Exception {
        try (CacheHarness h = new CacheHarness("cache {\n serve_stale 1h\n}")) {
            numbered(h, 60, 1);
            h.ask(NAME, Type.A);
            h.clock.advanceSeconds(3600);
            Message stale = h.ask(NAME, Type.A);
            assertEquals("192.0.2.1", ip(stale));
            assertEquals(0, ttl(stale));
            assertEquals(1, h.plugin().state.servedStale.sum());
            assertTrue(h.awaitQueries(2), "a background refresh was tried");
            h.awaitIdle();
            assertEquals("192.0.2.1", ip(h.ask(NAME, Type.A)), "a failed refresh keeps the stale entry");
            h.awaitIdle();
            h.clock.advanceSeconds(600);
            int before = h.upstream.queries();
            assertEquals(Rcode.SERVFAIL, h.ask(NAME, Type.A).getRcode(), "past the window: a miss");
            assertEquals(before + 1, h.upstream.queries());
        }
    }

    @Test
    void staleResponseTtlAndRecheck() throws Exception {
        try (CacheHarness h = new CacheHarness("cache {\n serve_stale 1h immediate 30s 1m\n}")) {
            numbered(h, 60, 1);
            h.ask(NAME, Type.A);
            h.clock.advanceSeconds(61);
            assertEquals(30, ttl(h.ask(NAME, Type.A)));
            assertTrue(h.awaitQueries(2));
            h.awaitIdle();
            assertEquals(30, ttl(h.ask(NAME, Type.A)));
            Thread.sleep(100);
            assertEquals(2, h.upstream.queries(), "no retry within the recheck period");
            h.clock.advanceSeconds(61);
            h.ask(NAME, Type.A);
            assertTrue(h.awaitQueries(3), "retried after the recheck period");
        }
    }

    @Test
    void verifyServesTheFreshAnswerWhenTheUpstreamSucceeds() throws Exception {
        try (CacheHarness h = new CacheHarness("cache {\n serve_stale 1h verify\n}")) {
            numbered(h, 60, 100);
            h.ask(NAME, Type.A);
            h.clock.advanceSeconds(61);
            Message m = h.ask(NAME, Type.A);
            assertEquals("192.0.2.2", ip(m));
            assertEquals(60, ttl(m));
            assertEquals(0, h.plugin().state.servedStale.sum());
            assertEquals("192.0.2.2", ip(h.ask(NAME, Type.A)), "and cached it");
            assertEquals(2, h.upstream.queries());
        }
    }

    @Test
    void verifyServesStaleWhenTheUpstreamFails() throws Exception {
        try (CacheHarness h = new CacheHarness("cache {\n serve_stale 1h verify\n}")) {
            numbered(h, 60, 1);
            h.ask(NAME, Type.A);
            h.clock.advanceSeconds(61);
            Message m = h.ask(NAME, Type.A);
            assertEquals(Rcode.NOERROR, m.getRcode());
            assertEquals("192.0.2.1", ip(m));
            assertEquals(0, ttl(m));
            assertEquals(2, h.upstream.queries());
            assertEquals(1, h.plugin().state.servedStale.sum());
        }
    }

    @Test
    void verifyWithATimeoutServesStaleAndRefreshesInTheBackground() throws Exception {
        try (CacheHarness h = new CacheHarness("cache {\n serve_stale 1h verify 100ms\n}")) {
            numbered(h, 60, 100);
            h.ask(NAME, Type.A);
            h.upstream.delayMillis(800);
            h.clock.advanceSeconds(61);
            long start = System.nanoTime();
            Message m = h.ask(NAME, Type.A);
            assertTrue(System.nanoTime() - start < 700_000_000L, "answered at the timeout, not after the upstream");
            assertEquals("192.0.2.1", ip(m));
            assertTrue(h.awaitQueries(2));
            h.awaitIdle();
            h.upstream.delayMillis(0);
            assertEquals("192.0.2.2", ip(h.ask(NAME, Type.A)), "the background verify stored the fresh answer");
        }
        try (CacheHarness h = new CacheHarness("cache {\n serve_stale 1h verify 2s\n}")) {
            numbered(h, 60, 100);
            h.ask(NAME, Type.A);
            h.clock.advanceSeconds(61);
            assertEquals("192.0.2.2", ip(h.ask(NAME, Type.A)), "a fast upstream wins the timeout");
        }
    }

    @Test
    void preferPositiveServesTheStalePositiveOverANewerDenial() throws Exception {
        for (boolean prefer : new boolean[]{true, false}) {
            String policy = prefer ? "\n serve_stale_policy prefer_positive" : "";
            try (CacheHarness h = new CacheHarness("cache {\n serve_stale 1h" + policy + "\n}")) {
                AtomicInteger n = new AtomicInteger();
                h.upstream.answer(q -> n.incrementAndGet() == 1
                        ? answerA(q, 60, "192.0.2.1")
                        : with(reply(q, Rcode.NXDOMAIN), Section.AUTHORITY, soa("example.org", 300, 300)));
                h.ask(NAME, Type.A);
                h.clock.advanceSeconds(61);
                assertEquals("192.0.2.1", ip(h.ask(NAME, Type.A)), "stale, refresh started");
                assertTrue(h.awaitQueries(2));
                h.awaitIdle();
                Message after = h.ask(NAME, Type.A);
                if (prefer) {
                    assertEquals(Rcode.NOERROR, after.getRcode());
                    assertEquals("192.0.2.1", ip(after));
                } else {
                    assertEquals(Rcode.NXDOMAIN, after.getRcode());
                }
            }
        }
    }
}
