package io.nodedns.k8s;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.Random;
import org.junit.jupiter.api.Test;

class BackoffTest {
    @Test
    void doublesFromHalfASecondToTheCapWithEqualJitter() {
        Backoff lo = new Backoff(Duration.ofMillis(500), Duration.ofSeconds(30), () -> 0.0);
        Backoff hi = new Backoff(Duration.ofMillis(500), Duration.ofSeconds(30), () -> 0.999999);
        long[] ceilings = {500, 1000, 2000, 4000, 8000, 16000, 30000, 30000, 30000};
        for (long c : ceilings) {
            assertEquals(c / 2, lo.next().toMillis());
            assertEquals(c, hi.next().toMillis() + 1, 1);
        }
        for (int i = 0; i < 100; i++) {
            assertEquals(15_000, lo.next().toMillis(), "stays at the cap");
        }
    }

    @Test
    void randomDelaysStayInTheirStepAndNeverShrink() {
        Random r = new Random(7);
        for (int run = 0; run < 200; run++) {
            Backoff b = new Backoff(Duration.ofMillis(500), Duration.ofSeconds(30), r::nextDouble);
            long prev = 0;
            for (int step = 0; step < 12; step++) {
                long ceiling = b.ceiling(step);
                long d = b.next().toNanos();
                assertTrue(d >= ceiling / 2 && d <= ceiling, "step " + step + ": " + d);
                assertTrue(d >= prev || ceiling == Duration.ofSeconds(30).toNanos(), "never shorter below the cap");
                prev = d;
            }
        }
    }

    @Test
    void resetStartsOver() {
        Backoff b = new Backoff(Duration.ofMillis(500), Duration.ofSeconds(30), () -> 0.5);
        b.next();
        b.next();
        b.next();
        assertEquals(3, b.step());
        b.reset();
        assertEquals(0, b.step());
        assertEquals(375, b.next().toMillis());
    }

    @Test
    void hugeStepCountsDoNotOverflow() {
        Backoff b = new Backoff(Duration.ofMillis(500), Duration.ofSeconds(30), () -> 0.0);
        for (int i = 0; i < 1000; i++) {
            b.next();
        }
        assertEquals(15_000, b.next().toMillis());
        assertEquals(Duration.ofSeconds(30).toNanos(), b.ceiling(200));
    }

    @Test
    void rejectsNonsense() {
        assertThrows(IllegalArgumentException.class, () -> new Backoff(Duration.ZERO, Duration.ofSeconds(1), () -> 0));
        assertThrows(IllegalArgumentException.class,
                () -> new Backoff(Duration.ofSeconds(2), Duration.ofSeconds(1), () -> 0));
    }

    @Test
    void briefIsOneLine() {
        String s = ApiErrors.brief(new java.io.IOException("a\nb\r\n\tat x"));
        assertEquals("IOException: a b at x", s);
        assertEquals("HTTP 500", ApiErrors.brief(
                new io.kubernetes.client.openapi.ApiException(500, "Internal Server Error")));
    }
}
