package io.nodedns.k8s;

import io.nodedns.log.Log;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The health of one {@link ResourceWatcher}: when it last heard from the API server, its failures in
 * a row (each one log line and a {@link Backoff} step, at least the server's Retry-After), and the
 * return to health (an event, bookmark, or a watch open for a second) that resets the backoff and
 * says so once.
 */
final class WatchHealth {
    private final Backoff backoff;
    private final String logPlugin;
    private final AtomicLong apiErrors = new AtomicLong();
    private volatile int consecutiveFailures;
    private volatile long lastSuccessNanos;
    private volatile long lastSuccessEpochMillis;

    WatchHealth(Backoff backoff, String logPlugin) {
        this.backoff = backoff;
        this.logPlugin = logPlugin;
    }

    /** The API server answered (a list, a watch opening, an event or a bookmark). */
    void fresh() {
        lastSuccessNanos = System.nanoTime();
        lastSuccessEpochMillis = System.currentTimeMillis();
    }

    /** The watch proved healthy: the backoff starts over, and a recovery is logged once. */
    synchronized void healthy(String describe) {
        if (consecutiveFailures > 0) {
            int n = consecutiveFailures;
            consecutiveFailures = 0;
            backoff.reset();
            Log.info(logPlugin, "watching " + describe + " again after " + n + " failed attempts");
        }
    }

    /**
     * Counts a failure and logs one line ({@code what}: "SUBJECT: PHASE RESOURCE", {@code kept}: what
     * is still served); returns the delay before the next attempt.
     */
    synchronized Duration failed(String what, Exception e, String kept) {
        apiErrors.incrementAndGet();
        int n = ++consecutiveFailures;
        Duration delay = backoff.next();
        Duration asked = ApiErrors.retryAfter(e);
        boolean told = asked != null && asked.compareTo(delay) > 0;
        if (told) {
            delay = asked;
        }
        Log.warning(logPlugin,
                what + " failed (attempt " + n + "): " + ApiErrors.brief(e) + "; " + kept + ", retrying in "
                        + String.format(java.util.Locale.ROOT, "%.1fs", delay.toMillis() / 1000.0)
                        + (told ? " (Retry-After)" : ""));
        return delay;
    }

    int consecutiveFailures() {
        return consecutiveFailures;
    }

    long apiErrorsTotal() {
        return apiErrors.get();
    }

    double lastSuccessfulSyncSeconds() {
        return lastSuccessEpochMillis / 1000.0;
    }

    /** Time since the API server last answered; null if never. */
    Duration staleness() {
        long t = lastSuccessNanos;
        return lastSuccessEpochMillis == 0 ? null : Duration.ofNanos(System.nanoTime() - t);
    }
}
