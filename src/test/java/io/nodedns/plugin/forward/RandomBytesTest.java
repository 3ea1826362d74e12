package io.nodedns.plugin.forward;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.nodedns.testing.LoopAllocations;
import org.junit.jupiter.api.Test;

/** The query-ID keystream's refill allocates nothing, not even now and then. */
class RandomBytesTest {
    private static final int REFILLS = 20_000; // 80 MB of keystream per window

    @Test
    void refillsAllocateNothing() throws Exception {
        RandomBytes random = new RandomBytes();
        long thread = Thread.currentThread().threadId();
        LoopAllocations.Kind refills = new LoopAllocations.Kind("refills", REFILLS, () -> {
            for (int i = 0; i < REFILLS; i++) {
                random.refill();
            }
            return 0;
        });
        // Warm-up ends with the first window that allocated nothing at all: until C2 has compiled
        // the path, first calls and compile requests allocate (see RandomBytes); never per refill.
        double perRefill;
        int warm = 0;
        do {
            perRefill = LoopAllocations.window(thread, refills, new int[1]);
        } while (perRefill != 0 && ++warm < 10);
        assertEquals(0, perRefill, "bytes per refill in the last of " + warm + " warm-up windows");
        for (int w = 0; w < 3; w++) {
            assertEquals(0, LoopAllocations.window(thread, refills, new int[1]), "bytes per refill, window " + w);
        }
        System.out.printf("RandomBytes.refill: 0 B per refill in 3 windows of %d after %d warm-up windows%n", REFILLS,
                warm + 1);
    }
}
