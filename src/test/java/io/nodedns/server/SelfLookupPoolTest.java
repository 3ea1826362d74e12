package io.nodedns.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** The self lookups' exchange pool and the bound on queries answered off the loops. */
class SelfLookupPoolTest {
    @Test
    void reusesWhatItMadeAndCountsItInTheBudget() {
        MemoryBudget budget = new MemoryBudget(10);
        SelfLookupPool pool = new SelfLookupPool(budget, Long.MAX_VALUE / 2);
        SelfLookupPool.Lookup a = pool.acquire();
        SelfLookupPool.Lookup b = pool.acquire();
        assertEquals(2, budget.used(), "each exchange is counted before it is made");
        pool.release(a);
        pool.release(b);
        assertSame(b, pool.acquire(), "the last given back is reused");
        assertSame(a, pool.acquire());
        assertEquals(2, pool.created());
        assertEquals(2, budget.used(), "reuse takes no more budget");
    }

    @Test
    void noBudgetNoExchange() {
        MemoryBudget budget = new MemoryBudget(1);
        SelfLookupPool pool = new SelfLookupPool(budget, Long.MAX_VALUE / 2);
        SelfLookupPool.Lookup a = pool.acquire();
        assertNotNull(a);
        assertNull(pool.acquire(), "the budget the loops share is spent: the lookup fails");
        assertEquals(1, pool.refused(), "and is counted");
        pool.release(a);
        assertSame(a, pool.acquire());
    }

    @Test
    void abandonedAndGrownExchangesGoBackToTheBudget() {
        MemoryBudget budget = new MemoryBudget(10);
        SelfLookupPool pool = new SelfLookupPool(budget, Long.MAX_VALUE / 2);
        SelfLookupPool.Lookup late = pool.acquire();
        pool.abandon(late); // its query was given up: a late completion must not reach a reused exchange
        assertEquals(0, budget.used());
        SelfLookupPool.Lookup big = pool.acquire();
        big.exchange.response().checkLimit(3 * UdpLoop.EXCHANGE_CAPACITY); // a large reply
        pool.release(big);
        assertEquals(0, pool.created());
        assertEquals(0, budget.used(), "a grown exchange is left to the GC, the budget counts 4 KiB ones");
        assertNotSame(big, pool.acquire());
    }

    @Test
    void aPeakUnusedForAWholeWindowIsTrimmed() throws InterruptedException {
        MemoryBudget budget = new MemoryBudget(100);
        SelfLookupPool pool = new SelfLookupPool(budget, 50_000_000L); // 50 ms windows
        SelfLookupPool.Lookup[] peak = new SelfLookupPool.Lookup[8];
        for (int i = 0; i < peak.length; i++) {
            peak[i] = pool.acquire();
        }
        for (SelfLookupPool.Lookup l : peak) {
            pool.release(l);
        }
        Thread.sleep(60);
        pool.release(pool.acquire()); // a window starts with 7 of 8 never used since the peak
        Thread.sleep(60);
        SelfLookupPool.Lookup steady = pool.acquire(); // trims what the last window never needed
        assertEquals(1, pool.created(), "only the exchange in use stays");
        assertEquals(1, budget.used());
        pool.release(steady);
    }

    @Test
    void aPeakIsGivenBackEvenIfNoLookupFollowsIt() throws InterruptedException {
        MemoryBudget budget = new MemoryBudget(100);
        SelfLookupPool pool = new SelfLookupPool(budget, 50_000_000L); // 50 ms windows, ticks every 25 ms
        SelfLookupPool.Lookup[] peak = new SelfLookupPool.Lookup[8];
        for (int i = 0; i < peak.length; i++) {
            peak[i] = pool.acquire();
        }
        for (SelfLookupPool.Lookup l : peak) {
            pool.release(l);
        }
        long deadline = System.nanoTime() + 5_000_000_000L;
        while (pool.created() > 0 && System.nanoTime() < deadline) {
            Thread.sleep(10);
        }
        assertEquals(0, pool.created(), "no lookup came after the flood: the trimmer gave every exchange back");
        assertEquals(0, budget.used());
    }

    @Test
    void theLimitFollowsTheHeap() {
        assertEquals(85, SelfLookupGate.limitFor(128L << 20), "the image's -Xmx128m");
        assertEquals(682, SelfLookupGate.limitFor(1L << 30));
        assertEquals(SelfLookupGate.MIN, SelfLookupGate.limitFor(16L << 20));
        assertEquals(SelfLookupGate.MAX, SelfLookupGate.limitFor(8L << 30));
    }

    @Test
    void theGateAdmitsUpToItsLimit() {
        SelfLookupGate gate = new SelfLookupGate(2);
        assertTrue(gate.tryEnter());
        assertTrue(gate.tryEnter());
        assertFalse(gate.tryEnter(), "the third waits for nothing: refused");
        gate.exit();
        assertTrue(gate.tryEnter());
        assertEquals(2, gate.inFlight());
        SelfLookupGate.PluginShed p = gate.of("autopath");
        assertSame(p, gate.of("autopath"), "made once per plugin");
        assertEquals("plugin/autopath: concurrent self lookups exceeded maximum 2", p.error);
    }
}
