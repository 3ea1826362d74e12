package io.nodedns.server;

import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.nodedns.testing.LogCapture;
import java.time.Duration;
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
}
