package io.nodedns.upstream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The orderings of CoreDNS plugin/forward/policy.go. */
class PolicyTest {

    @Test
    void sequentialIsConfiguredOrder() {
        Policy p = Policy.parse("sequential");
        assertArrayEquals(new int[]{0, 1, 2, 3}, p.order(4));
        assertArrayEquals(new int[]{0, 1, 2, 3}, p.order(4));
    }

    @Test
    void roundRobinPutsThePickFirstThenTheRestInOrder() {
        Policy p = Policy.parse("round_robin");
        assertArrayEquals(new int[]{0, 1, 2, 3}, p.order(4));
        assertArrayEquals(new int[]{1, 0, 2, 3}, p.order(4));
        assertArrayEquals(new int[]{2, 0, 1, 3}, p.order(4), "CoreDNS's order, not a rotation");
        assertArrayEquals(new int[]{3, 0, 1, 2}, p.order(4));
        assertArrayEquals(new int[]{0, 1, 2, 3}, p.order(4));
    }

    @Test
    void randomIsAUniformPermutation() {
        Policy p = Policy.parse("random");
        assertArrayEquals(new int[]{0}, p.order(1));
        Map<String, Integer> seen = new HashMap<>();
        int n = 12_000;
        for (int i = 0; i < n; i++) {
            int[] o = p.order(3);
            int[] sorted = o.clone();
            Arrays.sort(sorted);
            assertArrayEquals(new int[]{0, 1, 2}, sorted, "a permutation");
            seen.merge(Arrays.toString(o), 1, Integer::sum);
        }
        assertEquals(6, seen.size());
        for (int c : seen.values()) {
            assertTrue(c > n / 6 * 0.85 && c < n / 6 * 1.15, "counts " + seen);
        }
        int swapped = 0;
        for (int i = 0; i < 4000; i++) {
            swapped += p.order(2)[0] == 1 ? 1 : 0;
        }
        assertTrue(swapped > 1700 && swapped < 2300, "two upstreams swap half the time: " + swapped);
    }

    @Test
    void randomWithManyUpstreamsStaysInRange() {
        Policy p = Policy.random();
        for (int i = 0; i < 1000; i++) {
            int k = p.pick(0, 100, 0, 0);
            assertTrue(k >= 0 && k < 100);
        }
    }

    @Test
    void unknownNameIsNull() {
        assertNull(Policy.parse("fastest"));
        assertEquals("round_robin", Policy.parse("round_robin").name());
    }
}
