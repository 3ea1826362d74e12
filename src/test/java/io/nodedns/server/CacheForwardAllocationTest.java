package io.nodedns.server;

import static org.junit.jupiter.api.Assertions.assertTrue;

import io.nodedns.testing.LoopAllocations;
import org.junit.jupiter.api.Test;

/**
 * Issue 3's allocation test: the real server with cache and forward, cache hits from 1000 client
 * source ports and forwarded misses (cache stores included) to a loopback upstream; the UDP loop
 * thread must allocate 0 bytes per query once warm ({@link LoopAllocations}), in this JVM.
 * ImageFlagsAllocationTest runs the same measurement under the image's JVM flags.
 */
class CacheForwardAllocationTest {
    @Test
    void hitsAndMissesAllocateNothingOnTheLoop() throws Exception {
        // 30,000 misses to warm up (more than the cache holds, so its chunks have all been opened),
        // windows of 60,000 hits and 40,000 misses
        LoopAllocations.Result r = LoopAllocations.cacheForward(1000, 30, 60, 40);
        System.out.println("cache+forward on the loop: " + r);
        assertTrue(r.measured() >= 100_000, "at least 100k queries measured");
        r.assertNothingAllocated();
    }
}
