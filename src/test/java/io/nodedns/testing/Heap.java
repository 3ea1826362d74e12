package io.nodedns.testing;

import java.lang.management.ManagementFactory;

/** This JVM's heap, for tests that measure what a structure retains. */
public final class Heap {
    private Heap() {}

    /** Heap used after three System.gc() calls 50 ms apart (what is left is what is reachable). */
    public static long usedAfterGc() throws InterruptedException {
        for (int i = 0; i < 3; i++) {
            System.gc();
            Thread.sleep(50);
        }
        return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
    }
}
