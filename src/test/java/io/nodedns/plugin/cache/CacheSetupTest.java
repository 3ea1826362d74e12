package io.nodedns.plugin.cache;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.nodedns.config.ConfigException;
import io.nodedns.server.Instance;
import io.nodedns.server.PluginRegistry;
import io.nodedns.server.Shared;
import io.nodedns.testing.CacheUpstream;
import io.nodedns.testing.SetupErrors;
import io.nodedns.testing.SetupParse;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/** CoreDNS plugin/cache/README.md: every option, valid and invalid, with the error's file:line. */
class CacheSetupTest {
    private static final PluginRegistry REGISTRY = CacheUpstream.registry(new CacheSetup());

    private static final SetupParse<CacheConfig> CACHE = SetupParse.of("example.org", "cache",
            d -> CacheSetup.parse(d, List.of("example.org.")));

    private static void fails(String body, int line, String fragment) {
        ConfigException e = CACHE.fails(body, line, fragment);
        assertTrue(e.getMessage().contains("plugin/cache") || fragment.startsWith("Wrong"), e.getMessage());
    }

    @Test
    void defaults() throws Exception {
        for (String body : List.of("cache", "cache {\n}", "cache {}")) {
            CacheConfig c = CACHE.parse(body);
            assertEquals(List.of("example.org."), c.zones(), "the block's zones");
            assertEquals(new CacheConfig.StoreLimits(10_000, 3600, 5), c.success());
            assertEquals(new CacheConfig.StoreLimits(10_000, 1800, 5), c.denial());
            assertEquals(Duration.ofSeconds(5), c.servfailTtl());
            assertEquals(0, c.prefetch());
            assertEquals(Duration.ZERO, c.staleUpTo());
            assertFalse(c.keepTtl());
        }
    }

    @Test
    void ttlAndZones() throws Exception {
        CacheConfig c = CACHE.parse("cache 10 example.org sub.example.net");
        assertEquals(10, c.success().maxTtl());
        assertEquals(10, c.denial().maxTtl());
        assertEquals(List.of("example.org.", "sub.example.net."), c.zones());
        assertEquals(List.of("aaa.", "example.nl."), CACHE.parse("cache aaa example.nl").zones(),
                "not a number: a zone");
        assertEquals(List.of("0.10.in-addr.arpa."), CACHE.parse("cache 10.0.0.0/16").zones());
    }

    @Test
    void successAndDenial() throws Exception {
        CacheConfig c = CACHE.parse("cache {\n success 5000 100 2\n denial 200 30 0\n}");
        assertEquals(new CacheConfig.StoreLimits(5000, 100, 2), c.success());
        assertEquals(new CacheConfig.StoreLimits(200, 30, 0), c.denial());
        assertEquals(3600, CACHE.parse("cache {\n success 10\n}").success().maxTtl());
        fails("cache {\n success\n}", 3, "Wrong argument count");
        fails("cache {\n success abc\n}", 3, "strconv.Atoi: parsing \"abc\": invalid syntax");
        fails("cache {\n success 10 0\n}", 3, "cache TTL can not be zero or negative: 0");
        fails("cache {\n success 10 10 -1\n}", 3, "cache min TTL can not be negative: -1");
        fails("cache {\n denial 10 -5\n}", 3, "cache TTL can not be zero or negative: -5");
        fails("cache {\n denial 10 5 x\n}", 3, "invalid syntax");
        fails("cache {\n denial 1 2 3 4\n}", 3, "Wrong argument count");
    }

    @Test
    void topLevelTtl() {
        fails("cache 0", 2, "cache TTL can not be zero or negative: 0");
        fails("cache -1", 2, "cache TTL can not be zero or negative: -1");
        fails("cache 10 a..b", 2, "a..b");
    }

    @Test
    void prefetch() throws Exception {
        assertEquals(10, CACHE.parse("cache {\n prefetch 10\n}").prefetch());
        CacheConfig c = CACHE.parse("cache {\n prefetch 2 2m 20%\n}");
        assertEquals(2, c.prefetch());
        assertEquals(Duration.ofMinutes(2), c.prefetchWindow());
        assertEquals(20, c.prefetchPercentage());
        assertEquals(Duration.ofMinutes(1), CACHE.parse("cache {\n prefetch 1\n}").prefetchWindow());
        assertEquals(10, CACHE.parse("cache {\n prefetch 1\n}").prefetchPercentage());
        fails("cache {\n prefetch\n}", 3, "Wrong argument count");
        fails("cache {\n prefetch 1 1m 10% x\n}", 3, "Wrong argument count");
        fails("cache {\n prefetch -1\n}", 3, "prefetch amount should be positive: -1");
        fails("cache {\n prefetch 1 abc\n}", 3, "time: invalid duration \"abc\"");
        fails("cache {\n prefetch 1 1m 20\n}", 3, "last character of percentage should be `%`, but is: '0'");
        fails("cache {\n prefetch 1 1m 5%\n}", 3, "percentage should fall in range [10, 90]: 5");
        fails("cache {\n prefetch 1 1m 91%\n}", 3, "percentage should fall in range [10, 90]: 91");
        fails("cache {\n prefetch 1 1m x%\n}", 3, "strconv.Atoi: parsing \"x\"");
    }

    @Test
    void serveStale() throws Exception {
        CacheConfig c = CACHE.parse("cache {\n serve_stale\n}");
        assertEquals(Duration.ofHours(1), c.staleUpTo());
        assertFalse(c.verifyStale());
        assertEquals(Duration.ofMinutes(20), CACHE.parse("cache {\n serve_stale 20m\n}").staleUpTo());
        assertFalse(CACHE.parse("cache {\n serve_stale 1h immediate\n}").verifyStale());
        assertTrue(CACHE.parse("cache {\n serve_stale 1h VERIFY\n}").verifyStale());
        c = CACHE.parse("cache {\n serve_stale 1h verify 2s 30s 1m\n}");
        assertEquals(Duration.ofSeconds(2), c.verifyTimeout());
        assertEquals(30, c.staleTtl());
        assertEquals(Duration.ofMinutes(1), c.staleRecheck());
        c = CACHE.parse("cache {\n serve_stale 1h immediate 30s 5m\n}");
        assertEquals(30, c.staleTtl());
        assertEquals(Duration.ofMinutes(5), c.staleRecheck());
        fails("cache {\n serve_stale -1h\n}", 3, "invalid negative duration for serve_stale");
        fails("cache {\n serve_stale x\n}", 3, "time: invalid duration \"x\"");
        fails("cache {\n serve_stale 1h bogus\n}", 3, "invalid value for serve_stale refresh mode: bogus");
        fails("cache {\n serve_stale 1h immediate 1.5s\n}", 3,
                "serve_stale response TTL must be a whole number of seconds");
        fails("cache {\n serve_stale 1h immediate -1s\n}", 3, "invalid negative response TTL for serve_stale");
        fails("cache {\n serve_stale 1h immediate 30\n}", 3, "invalid serve_stale response TTL: time: missing unit");
        fails("cache {\n serve_stale 1h immediate 30s 6m\n}", 3, "serve_stale failure recheck cannot exceed 5 minutes");
        fails("cache {\n serve_stale 1h immediate 30s -1m\n}", 3, "invalid negative failure recheck for serve_stale");
        fails("cache {\n serve_stale 1h immediate 30s 1m x\n}", 3, "Wrong argument count");
        fails("cache {\n serve_stale 1h verify -1s\n}", 3, "invalid negative timeout for serve_stale verify");
        fails("cache {\n serve_stale 1h verify x\n}", 3, "invalid serve_stale verify timeout: time: invalid duration");
        fails("cache {\n serve_stale 1h verify 1s 30s 1m x\n}", 3, "Wrong argument count");
    }

    @Test
    void serveStalePolicy() throws Exception {
        assertTrue(CACHE.parse("cache {\n serve_stale\n serve_stale_policy prefer_positive\n}").preferPositive());
        assertTrue(CACHE.parse("cache {\n serve_stale_policy PREFER_POSITIVE\n serve_stale\n}").preferPositive());
        fails("cache {\n serve_stale_policy prefer_positive\n}", 3, "serve_stale_policy requires serve_stale");
        fails("cache {\n serve_stale\n serve_stale_policy bogus\n}", 4, "invalid serve_stale_policy: bogus");
        fails("cache {\n serve_stale\n serve_stale_policy\n}", 4, "Wrong argument count");
        fails("cache {\n serve_stale\n serve_stale_policy prefer_positive\n serve_stale_policy prefer_positive\n}", 5,
                "serve_stale_policy can only be specified once");
    }

    @Test
    void servfail() throws Exception {
        assertEquals(Duration.ZERO, CACHE.parse("cache {\n servfail 0\n}").servfailTtl());
        assertEquals(Duration.ofMinutes(5), CACHE.parse("cache {\n servfail 5m\n}").servfailTtl());
        fails("cache {\n servfail\n}", 3, "Wrong argument count");
        fails("cache {\n servfail 1s 2s\n}", 3, "Wrong argument count");
        fails("cache {\n servfail 5m1s\n}", 3, "caching SERVFAIL responses over 5 minutes is not permitted");
        fails("cache {\n servfail -1s\n}", 3, "invalid negative ttl for servfail");
        fails("cache {\n servfail 5\n}", 3, "time: missing unit in duration \"5\"");
    }

    @Test
    void disable() throws Exception {
        CacheConfig c = CACHE.parse("cache {\n disable success\n disable denial example.org sub.example.net\n}");
        assertEquals(List.of("."), c.disableSuccess());
        assertEquals(List.of("example.org.", "sub.example.net."), c.disableDenial());
        fails("cache {\n disable\n}", 3, "Wrong argument count");
        fails("cache {\n disable bogus\n}", 3, "cache type for disable must be \"success\" or \"denial\"");
        fails("cache {\n disable success a..b\n}", 3, "invalid disabled zone: a..b");
    }

    @Test
    void keepttlAndUnknownOptions() throws Exception {
        assertTrue(CACHE.parse("cache {\n keepttl\n}").keepTtl());
        fails("cache {\n keepttl yes\n}", 3, "Wrong argument count");
        fails("cache {\n\n bogus 1\n}", 4, "unknown property 'bogus'");
        fails("cache {\n success 10 {\n }\n}", 3, "unexpected block");
    }

    @Test
    void oncePerBlockAndBlockZonesThroughTheRealSetup() throws Exception {
        String twice = "example.org {\n cache\n cache 10\n cacheupstream x\n}\n";
        CacheUpstream.create("x");
        SetupErrors.assertFails(twice, REGISTRY, 3, "plugin/cache: this plugin can only be used once per Server Block");
        Instance ok = SetupErrors.build("example.org:1053 example.net:1053 {\n cache\n cacheupstream x\n}\n",
                REGISTRY);
        CacheHandler plugin = (CacheHandler) ok.configs().getFirst().handlers().getFirst();
        assertEquals("example.org.,example.net.", plugin.state.metrics.zones());
        assertEquals(9984, plugin.successCapacity());
        assertEquals(9984, plugin.denialCapacity());
        assertEquals(76_192, plugin.memoryBytes(), "empty: the stores grow as they fill");
        assertEquals(20_109_728, plugin.maxMemoryBytes());
        String huge = "example.org {\n cache {\n  success 2000000000\n }\n cacheupstream x\n}\n";
        SetupErrors.assertFails(huge, REGISTRY, 2, "more than the cache budget");
    }

    /** Issue 23 build 4: all caches of one configuration count against one budget, at start and at each reload. */
    @Test
    void allCachesOfAConfigurationShareOneHeapBudget() throws Exception {
        CacheUpstream.create("x");
        long perCache = 2 * CacheStore.bytesFor(CacheConfig.DEFAULT_CAPACITY);
        int fit = (int) (CacheSetup.budget(Runtime.getRuntime().maxMemory()) / perCache);
        Shared shared = new Shared();
        Instance first = SetupErrors.build(blocks(fit, 30), REGISTRY, shared);
        assertEquals(fit, first.configs().size());
        // A reload building as many caches again (other options, so new stores) while the old ones
        // still exist: only the configuration being built counts.
        Instance second = SetupErrors.build(blocks(fit, 20), REGISTRY, shared);
        assertEquals(fit, second.configs().size());
        // the cache line of block fit + 1
        ConfigException over = SetupErrors.assertFails(() -> SetupErrors.build(blocks(fit + 1, 30), REGISTRY, shared),
                2 + 4 * fit, "more than the cache budget");
        assertTrue(over.getMessage().contains("cache number " + (fit + 1)), over.getMessage());
    }

    /** {@code n} blocks z0.example ... each with {@code cache TTL} on its second line (4 lines per block). */
    private static String blocks(int n, int ttl) {
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < n; i++) {
            b.append("z").append(i).append(".example {\n cache ").append(ttl).append("\n cacheupstream x\n}\n");
        }
        return b.toString();
    }

    @Test
    void persist(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir) throws Exception {
        String file = dir.resolve("cache.bin").toString();
        assertEquals(file, CACHE.parse("cache {\n persist " + file + "\n}").persist());
        assertEquals(null, CACHE.parse("cache").persist(), "off by default");
        assertFalse(CACHE.parse("cache {\n persist " + file + "\n}").equals(CACHE.parse("cache")),
                "a new file is a new store");
        fails("cache {\n persist\n}", 3, "Wrong argument count");
        fails("cache {\n persist " + file + " " + file + "\n}", 3, "Wrong argument count");
        fails("cache {\n persist " + file + "\n persist " + file + "\n}", 4, "persist can only be specified once");
        fails("cache {\n persist " + dir + "\n}", 3, "persist needs a file, not a directory");
        fails("cache {\n persist " + dir.resolve("no/such/cache.bin") + "\n}", 3, "does not exist");
        fails("cache {\n persist /proc/self/cache.bin\n}", 3, "is not writable");
        try (var files = java.nio.file.Files.list(dir)) {
            assertEquals(0, files.count(), "the writability probe leaves nothing behind");
        }
    }

    @Test
    void onePersistFilePerBlock(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir) {
        String file = dir.resolve("cache.bin").toString();
        io.nodedns.testing.SetupErrors.assertFails("a.example:1053 {\n cache {\n  persist " + file
                + "\n }\n}\nb.example:1053 {\n cache {\n  persist " + file + "\n }\n}\n", 7,
                "persist file " + file + " is already used by another cache block");
    }
}
