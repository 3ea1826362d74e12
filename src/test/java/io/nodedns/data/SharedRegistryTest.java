package io.nodedns.data;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;

class SharedRegistryTest {
    private final List<Object> stopped = new CopyOnWriteArrayList<>();

    private SharedRegistry<Object> registry(Duration grace) {
        return new SharedRegistry<>(grace, "test-reaper", stopped::add);
    }

    @Test
    void aReloadSharesTheValueAndTheLastReleaseDropsIt() {
        SharedRegistry<Object> r = registry(Duration.ZERO);
        Object old = r.acquire("k", Object::new);
        Object next = r.acquire("k", Object::new);
        assertSame(old, next, "a second user gets the running value");
        r.release(old);
        assertEquals(List.of(), stopped, "one user left");
        r.release(next);
        assertEquals(List.of(old), stopped, "zero grace: stopped at the last release");
        assertNotSame(old, r.acquire("k", Object::new), "created again after the drop");
    }

    @Test
    void obtainCountsNoUserUntilRetained() {
        SharedRegistry<Object> r = registry(Duration.ZERO);
        Object v = r.obtain("k", Object::new);
        assertSame(v, r.obtain("k", Object::new));
        r.retain(v);
        r.retain(v);
        r.release(v);
        assertEquals(1, r.size());
        r.release(v);
        assertEquals(0, r.size());
        assertEquals(List.of(v), stopped);
    }

    @Test
    void theGraceKeepsAValueForTheNextUserAndThenStopsIt() throws Exception {
        SharedRegistry<Object> r = registry(Duration.ofMillis(100));
        Object v = r.acquire("k", Object::new);
        r.release(v);
        assertSame(v, r.acquire("k", Object::new), "reacquired within the grace");
        r.release(v);
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (stopped.isEmpty() && System.nanoTime() < deadline) {
            Thread.sleep(20);
        }
        assertEquals(List.of(v), stopped);
        assertEquals(0, r.size());
        Object w = r.acquire("k", Object::new);
        r.shutdown();
        assertTrue(stopped.contains(w), "shutdown stops what is left");
    }
}
