package io.nodedns.plugin.cache;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.nodedns.server.Transport;
import io.nodedns.testing.CacheUpstream;
import java.lang.management.ManagementFactory;
import org.junit.jupiter.api.Test;

/**
 * The hot path allocates nothing: hits (copy, patch, send) and miss-stores (hook, classify,
 * flatten, store with evictions) measured with the thread's allocation counter around direct
 * handler calls on one preallocated exchange, after a warm-up.
 */
class CacheAllocationTest {
    private static final int N = 200_000;
    private static final com.sun.management.ThreadMXBean MX =
            (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();

    private interface Loop {
        void run(int i);
    }

    private static long allocated(Loop loop, int n) {
        long before = MX.getCurrentThreadAllocatedBytes();
        for (int i = 0; i < n; i++) {
            loop.run(i);
        }
        return MX.getCurrentThreadAllocatedBytes() - before;
    }

    @Test
    void hitsAllocateNothing() throws Exception {
        CacheUpstream[] up = new CacheUpstream[1];
        CachePlugin plugin = CacheDriver.build("cache", CacheClock.SYSTEM, up);
        CacheDriver driver = new CacheDriver(plugin, Transport.UDP);
        driver.ask(0, 1000);
        assertEquals(1000, up[0].queries());
        Loop hit = i -> {
            driver.name(i % 1000);
            driver.upperCase((i & 1) == 0);
            driver.run();
        };
        allocated(hit, N); // warm-up: JIT
        long bytes = allocated(hit, N);
        assertEquals(1000, up[0].queries(), "all hits");
        System.out.printf("cache hit: %d bytes over %d queries (%.4f per query)%n", bytes, N, (double) bytes / N);
        assertEquals(0, bytes / N, "bytes per hit");
        assertTrue(bytes < 4096, "allocated " + bytes + " bytes in " + N + " hits");
    }

    @Test
    void missStoresAllocateNothing() throws Exception {
        CacheUpstream[] up = new CacheUpstream[1];
        CachePlugin plugin = CacheDriver.build("cache", CacheClock.SYSTEM, up);
        CacheDriver driver = new CacheDriver(plugin, Transport.UDP);
        int[] base = {0};
        Loop miss = i -> {
            driver.name(base[0] + i);
            driver.run();
        };
        allocated(miss, N); // fills the cache (9984 entries) and warms up; everything after evicts
        base[0] = N;
        allocated(miss, N); // the same call sites again, so the JIT has seen them all
        base[0] = 2 * N;
        long evictionsBefore = plugin.successEvictions();
        long bytes = allocated(miss, N);
        assertEquals(3L * N, up[0].queries(), "every query a miss");
        assertEquals(N, plugin.successEvictions() - evictionsBefore, "every store evicts");
        System.out.printf("cache miss+store: %d bytes over %d queries (%.4f per query)%n", bytes, N, (double) bytes / N);
        assertEquals(0, bytes / N, "bytes per miss-store");
        assertTrue(bytes < 4096, "allocated " + bytes + " bytes in " + N + " miss-stores");
    }
}
