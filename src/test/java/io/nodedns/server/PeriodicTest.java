package io.nodedns.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.nodedns.testing.LogCapture;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class PeriodicTest {
    @Test
    void aRunThatThrowsIsLoggedAndTheNextRunGoesAhead() throws InterruptedException {
        AtomicInteger runs = new AtomicInteger();
        CountDownLatch third = new CountDownLatch(1);
        try (LogCapture log = new LogCapture()) {
            Thread t = Periodic.start("nodedns-test-periodic", Duration.ofMillis(5), () -> {
                if (runs.incrementAndGet() >= 3) {
                    third.countDown();
                }
                throw new IllegalStateException("sweep failed");
            });
            try {
                assertTrue(third.await(10, TimeUnit.SECONDS), "runs after a failing one: " + runs.get());
                String line = log.await("nodedns-test-periodic: java.lang.IllegalStateException: sweep failed", 5000);
                assertNotNull(line, "logged: " + log.lines());
                assertTrue(line.startsWith("[ERROR] "), line);
            } finally {
                t.interrupt();
                t.join(5000);
            }
        }
    }

    @Test
    void anInstanceRunsOnOneThreadFromStartToStopAndAZeroPeriodIsOff() throws InterruptedException {
        AtomicInteger offRuns = new AtomicInteger();
        Periodic off = new Periodic("nodedns-test-off", Duration.ZERO, offRuns::incrementAndGet);
        off.start();
        assertFalse(off.running(), "reload 0: no timer");
        Set<Thread> threads = ConcurrentHashMap.newKeySet();
        CountDownLatch runs = new CountDownLatch(4);
        Periodic on = new Periodic("nodedns-test-on", Duration.ofMillis(5), () -> {
            threads.add(Thread.currentThread());
            runs.countDown();
        });
        on.start();
        on.start(); // running already: no second thread
        assertTrue(on.running());
        assertTrue(runs.await(10, TimeUnit.SECONDS), "runs: " + (4 - runs.getCount()));
        on.stop();
        assertFalse(on.running());
        assertEquals(1, threads.size(), "one thread: " + threads);
        Thread t = threads.iterator().next();
        t.join(5000);
        assertFalse(t.isAlive(), "stop ends the thread");
        assertEquals(0, offRuns.get());
    }
}
