package io.nodedns.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;

import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class ScratchPoolTest {
    @Test
    void borrowersNeverShareAndGivenBackInstancesAreReused() {
        AtomicInteger made = new AtomicInteger();
        ScratchPool<Object> pool = new ScratchPool<>(() -> {
            made.incrementAndGet();
            return new Object();
        });
        Object a = pool.borrow();
        Object b = pool.borrow();
        assertNotSame(a, b, "two borrowers at once get two instances");
        pool.giveBack(a);
        pool.giveBack(b);
        for (int i = 0; i < 1000; i++) {
            Object x = pool.borrow();
            Object y = pool.borrow();
            assertNotSame(x, y);
            pool.giveBack(y);
            pool.giveBack(x);
        }
        assertEquals(2, made.get(), "steady state makes nothing new");
        Object again = pool.borrow();
        assertSame(again == a ? a : b, again);
    }
}
