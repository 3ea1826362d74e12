package io.nodedns.plugin.cache;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.nodedns.server.Result;
import io.nodedns.server.Transport;
import io.nodedns.testing.CacheUpstream;
import io.nodedns.testing.DnsClient;
import io.nodedns.testing.FreePorts;
import io.nodedns.testing.TestServer;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.xbill.DNS.Message;
import org.xbill.DNS.Type;

/**
 * Issue 23 build 8: hot names survive a flood of unique names (CLOCK eviction). Names 0-99 are
 * hot; every other name is asked once.
 */
class CacheEvictionTest {
    private static final int HOT = 100;

    /**
     * The whole cache path (lookup, miss, store) with the default capacity: 200,000 unique names,
     * 20 times the cache, and a hot name every {@code every} of them.
     */
    private static double hotHitRatio(int every) throws Exception {
        CacheUpstream[] up = new CacheUpstream[1];
        CacheHandler plugin = CacheDriver.build("cache", CacheClock.SYSTEM, up);
        CacheDriver driver = new CacheDriver(plugin, Transport.UDP);
        for (int h = 0; h < HOT; h++) {
            driver.name(h);
            driver.run();
        }
        long asked = 0;
        long hits = 0;
        int unique = 200_000;
        for (int i = 0; i < unique; i++) {
            driver.name(HOT + i);
            assertEquals(Result.WRITTEN, driver.run());
            if (i % every == 0) {
                driver.name((int) (asked % HOT));
                long before = plugin.state.successHits.sum();
                driver.run();
                hits += plugin.state.successHits.sum() - before;
                asked++;
            }
        }
        assertEquals(plugin.successCapacity(), plugin.state.success.entries(), "the flood filled the cache");
        double ratio = (double) hits / asked;
        System.out.printf(
                "eviction: 1 hot query per %d unique names: hot-name hit ratio %.4f (%d of %d), evictions %d%n",
                every, ratio, hits, asked, plugin.state.success.evictions());
        return ratio;
    }

    @Test
    void hotNamesStayUnderAUniqueNameFlood() throws Exception {
        // Each hot name is asked every 2,000 unique names, a fifth of the cache: random eviction
        // would lose about 1 - e^(-2000/9984) = 18 % of them between two asks.
        assertTrue(hotHitRatio(20) >= 0.95);
        // Every 5,000 unique names, half the cache (random: 39 % lost).
        assertTrue(hotHitRatio(50) >= 0.95);
    }

    @Test
    void aFloodOfNamesAskedOnceEvictsTheOldestFirst() throws Exception {
        CacheUpstream[] up = new CacheUpstream[1];
        CacheHandler plugin = CacheDriver.build("cache {\n success 1024\n}", CacheClock.SYSTEM, up);
        CacheDriver driver = new CacheDriver(plugin, Transport.UDP);
        driver.ask(0, 10_000);
        // With no hit, CLOCK is FIFO per shard: the last names of each shard are all there.
        long before = plugin.state.successHits.sum();
        driver.ask(10_000 - 256, 10_000);
        assertEquals(256, plugin.state.successHits.sum() - before,
                "the newest 256 names (at most one shard's worth each) hit");
        before = plugin.state.successHits.sum();
        driver.ask(0, 256);
        assertEquals(0, plugin.state.successHits.sum() - before, "the oldest are gone");
    }

    /**
     * End to end over UDP with a real server loop: two clients flood unique names while a third
     * asks the hot names once per 20 flood queries: each hot name every 2,000 flood names, a fifth of
    * the default cache. A name asked less often than once per turn of the hand (the cache's capacity
    * in new names) is evicted by any policy of that size: with 2,048 entries the same test measures
    * 49 %.
     */
    @Test
    @Timeout(90)
    void hotNamesStayUnderAFloodThroughARealServer() throws Exception {
        CacheUpstream.create("eviction-e2e");
        int port = FreePorts.udpAndTcp();
        String corefile = ".:" + port + " {\n bind 127.0.0.1\n cache\n cacheupstream eviction-e2e\n}\n";
        AtomicReference<CacheHandler> cache = new AtomicReference<>();
        try (TestServer server = TestServer.fromText(corefile,
                CacheUpstream.registry(new CacheSetup(CacheClock.SYSTEM, cache::set)))) {
            AtomicBoolean stop = new AtomicBoolean();
            AtomicLong flood = new AtomicLong();
            Thread[] flooders = new Thread[2];
            for (int t = 0; t < flooders.length; t++) {
                int id = t;
                flooders[t] = Thread.ofPlatform().start(() -> {
                    try (DnsClient c = new DnsClient("127.0.0.1", port)) {
                        for (long i = 0; !stop.get(); i++) {
                            c.udp(DnsClient.query("u" + id + "-" + i + ".example.org", Type.A));
                            flood.incrementAndGet();
                        }
                    } catch (Exception e) {
                        throw new IllegalStateException(e);
                    }
                });
            }
            long asked = 0;
            long answered = 0;
            long start = System.nanoTime();
            try (DnsClient c = new DnsClient("127.0.0.1", port)) {
                // until the flood has gone through the cache three times, at most 40 s
                while (flood.get() < 30_000 && System.nanoTime() - start < 40_000_000_000L) {
                    while (flood.get() < asked * 20) {
                        Thread.onSpinWait();
                    }
                    Message m = c.udp(DnsClient.query("h" + asked % HOT + ".example.org", Type.A));
                    answered += m != null ? 1 : 0;
                    asked++;
                }
            } finally {
                stop.set(true);
                for (Thread t : flooders) {
                    t.join();
                }
            }
            // Flood names are asked once, so every hit is a hot name's; each hot name's first ask is a miss.
            long hits = cache.get().state.successHits.sum();
            long later = asked - HOT;
            double ratio = (double) hits / later;
            System.out.printf(
                    "eviction e2e: %d flood queries, %d hot queries (%d answered), %d hot hits after the first ask,"
                            + " hot-name hit ratio %.4f, evictions %d, %.1f s%n",
                    flood.get(), asked, answered, hits, ratio,
                    cache.get().state.success.evictions(), (System.nanoTime() - start) / 1e9);
            assertEquals(asked, answered);
            assertTrue(cache.get().state.success.evictions() >= 9984,
                    "the flood went through the cache at least once more: "
                            + cache.get().state.success.evictions());
            assertTrue(ratio >= 0.95, "hot-name hit ratio " + ratio);
        }
    }
}
