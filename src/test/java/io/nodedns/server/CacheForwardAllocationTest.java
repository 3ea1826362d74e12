package io.nodedns.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
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
        LoopAllocations.Result r = LoopAllocations.measure(1000, 30, 60, 40);
        System.out.println("cache+forward on the loop: " + r);
        assertEquals(0, r.lost(), "every query answered");
        assertTrue(r.hits() + r.misses() >= 100_000, "at least 100k queries measured");
        assertTrue(r.bestHit() < 0.01, "hits allocate:" + r.report());
        assertTrue(r.bestMiss() < 0.01, "misses allocate:" + r.report());
    }
}
