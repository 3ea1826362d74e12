package io.nodedns.plugin.cache;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.nodedns.server.Transport;
import io.nodedns.testing.CacheUpstream;
import io.nodedns.testing.LoopAllocations;
import org.junit.jupiter.api.Test;

/**
 * The hot path allocates nothing: hits (copy, patch, send) and miss-stores (hook, classify,
 * flatten, store with evictions) measured with the thread's allocation counter around direct
 * handler calls on one preallocated exchange, in every window after warm-up ({@link LoopAllocations}).
 */
class CacheAllocationTest {
    private static final int N = 200_000;

    @Test
    void hitsAllocateNothing() throws Exception {
        CacheUpstream[] up = new CacheUpstream[1];
        CacheHandler plugin = CacheDriver.build("cache", CacheClock.SYSTEM, up);
        CacheDriver driver = new CacheDriver(plugin, Transport.UDP);
        driver.ask(0, 1000);
        assertEquals(1000, up[0].queries());
        LoopAllocations.Result r = LoopAllocations.calls("hits", N, i -> {
            driver.name(i % 1000);
            driver.upperCase((i & 1) == 0);
            driver.run();
        });
        assertEquals(1000, up[0].queries(), "all hits");
        System.out.println("cache hit: " + r);
        r.assertNothingAllocated();
    }

    @Test
    void missStoresAllocateNothing() throws Exception {
        CacheUpstream[] up = new CacheUpstream[1];
        CacheHandler plugin = CacheDriver.build("cache", CacheClock.SYSTEM, up);
        CacheDriver driver = new CacheDriver(plugin, Transport.UDP);
        int[] next = {0};
        for (int i = 0; i < N; i++) { // fills the cache (9984 entries); everything after evicts
            driver.name(next[0]++);
            driver.run();
        }
        long evictionsBefore = plugin.state.success.evictions();
        LoopAllocations.Result r = LoopAllocations.calls("miss-stores", N, i -> {
            driver.name(next[0]++);
            driver.run();
        });
        assertEquals(next[0], up[0].queries(), "every query a miss");
        assertEquals(next[0] - N, plugin.state.success.evictions() - evictionsBefore, "every store evicts");
        System.out.println("cache miss+store: " + r);
        r.assertNothingAllocated();
    }
}
