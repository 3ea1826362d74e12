package io.nodedns.plugin.forward;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

class IdTableTest {
    @Test
    void collidingIdsSurviveRemovalsInTheirProbeRun() {
        IdTable t = new IdTable();
        int size = t.size();
        // Four IDs with the same home slot, one with the next home: removing from the middle of
        // the run must keep the later ones reachable (backward shift, no tombstones).
        int[] ids = {5, 5 + size, 5 + 2 * size, 6, 5 + 3 * size};
        for (int i = 0; i < ids.length; i++) {
            t.put(ids[i], i + 1);
        }
        t.remove(5 + size);
        assertEquals(0, t.get(5 + size));
        assertEquals(1, t.get(5));
        assertEquals(3, t.get(5 + 2 * size));
        assertEquals(4, t.get(6));
        assertEquals(5, t.get(5 + 3 * size));
        t.remove(5);
        t.remove(6);
        assertEquals(3, t.get(5 + 2 * size));
        assertEquals(5, t.get(5 + 3 * size));
        t.remove(12345); // absent: no effect
        assertEquals(3, t.get(5 + 2 * size));
    }

    @Test
    void wrapsAroundTheEnd() {
        IdTable t = new IdTable();
        int last = t.size() - 1;
        t.put(last, 1);
        t.put(last + t.size(), 2); // wraps to index 0
        t.put(0, 3); // home 0, taken: goes to 1
        t.remove(last);
        assertEquals(2, t.get(last + t.size()));
        assertEquals(3, t.get(0));
        assertEquals(0, t.get(last));
    }

    @Test
    void matchesAMapUnderRandomUseAndGrowth() {
        Random r = new Random(17);
        IdTable t = new IdTable();
        Map<Integer, Integer> ref = new HashMap<>();
        List<Integer> live = new ArrayList<>();
        int slots = 64;
        for (int step = 0; step < 200_000; step++) {
            if (live.size() < slots && (live.isEmpty() || r.nextInt(3) != 0)) {
                int id = r.nextInt(1 << 16);
                if (ref.containsKey(id)) {
                    continue;
                }
                int number = 1 + r.nextInt(65535);
                t.put(id, number);
                ref.put(id, number);
                live.add(id);
            } else {
                int id = live.remove(r.nextInt(live.size()));
                t.remove(id);
                ref.remove(id);
            }
            if (step % 20_000 == 19_999 && slots < 40_000) {
                slots *= 4; // the loop made more slots
                t.ensureFor(slots);
            }
            if (step % 997 == 0) {
                for (int id : live) {
                    assertEquals(ref.get(id), t.get(id));
                }
                int any = r.nextInt(1 << 16);
                assertEquals(ref.getOrDefault(any, 0), t.get(any));
            }
        }
        for (int id = 0; id < 1 << 16; id++) {
            assertEquals(ref.getOrDefault(id, 0), t.get(id), "id " + id);
        }
    }

    @Test
    void startsSmallAndGrowsToTheSlots() {
        IdTable t = new IdTable();
        assertEquals(IdTable.MIN_SIZE, t.size());
        t.ensureFor(64);
        assertEquals(IdTable.MIN_SIZE, t.size());
        t.ensureFor(1000);
        assertEquals(2048, t.size());
        t.ensureFor(65535);
        assertEquals(1 << 16, t.size());
    }
}
