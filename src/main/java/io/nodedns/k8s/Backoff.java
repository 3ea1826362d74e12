package io.nodedns.k8s;

import java.time.Duration;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.DoubleSupplier;

/**
 * Exponential backoff with "equal jitter": step n (from 0) waits a random time in
 * {@code [d/2, d]} where {@code d = min(cap, initial * 2^n)}. Half of each delay is fixed, so the
 * waits never shrink from one step to the next (until the cap), and the random half spreads many
 * nodes' retries apart so they do not hit a recovering API server in lockstep. {@link #reset()}
 * after a successful list or watch starts again at the initial delay. Not thread-safe.
 */
public final class Backoff {
    public static final Duration INITIAL = Duration.ofMillis(500);
    public static final Duration CAP = Duration.ofSeconds(30);

    private final long initialNanos;
    private final long capNanos;
    private final DoubleSupplier random;
    private int step;

    public Backoff() {
        this(INITIAL, CAP, () -> ThreadLocalRandom.current().nextDouble());
    }

    /** With a chosen random source in [0, 1) (tests). */
    public Backoff(Duration initial, Duration cap, DoubleSupplier random) {
        if (initial.isNegative() || initial.isZero() || cap.compareTo(initial) < 0) {
            throw new IllegalArgumentException("backoff: need 0 < initial <= cap");
        }
        this.initialNanos = initial.toNanos();
        this.capNanos = cap.toNanos();
        this.random = random;
    }

    /** The delay before the next retry; each call moves one step up. */
    public Duration next() {
        long d = ceiling(step);
        if (step < 62) {
            step++;
        }
        long half = d / 2;
        return Duration.ofNanos(half + (long) (random.getAsDouble() * (d - half)));
    }

    /** The upper bound of step n's delay: min(cap, initial * 2^n). */
    public long ceiling(int n) {
        if (n >= 62 || initialNanos > (capNanos >> Math.min(n, 62))) {
            return capNanos;
        }
        return Math.min(capNanos, initialNanos << n);
    }

    /** How many delays were handed out since the last reset. */
    public int step() {
        return step;
    }

    public void reset() {
        step = 0;
    }
}
