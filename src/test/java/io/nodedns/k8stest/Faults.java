package io.nodedns.k8stest;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Predicate;

/** Fault injection state and the request log; the server's HTTP handler consults it on every request. */
final class Faults {
    private final ConcurrentLinkedQueue<RecordedRequest> log = new ConcurrentLinkedQueue<>();
    private volatile int failStatus;
    private volatile Predicate<RecordedRequest> failWhich = r -> true;
    private final AtomicInteger failNext = new AtomicInteger();
    private volatile int failNextStatus;
    private volatile Duration delay = Duration.ZERO;
    private volatile Predicate<RecordedRequest> delayWhich = r -> true;
    private final AtomicInteger expireNextWatches = new AtomicInteger();
    private volatile int retryAfterSeconds = 1;
    private volatile Predicate<RecordedRequest> forbid = r -> false;
    private volatile boolean expireContinueTokens;

    void record(RecordedRequest r) {
        log.add(r);
    }

    List<RecordedRequest> requests() {
        return List.copyOf(log);
    }

    void clearRequests() {
        log.clear();
    }

    void failAll(int status, Predicate<RecordedRequest> which) {
        failWhich = which;
        failStatus = status;
    }

    void failNext(int count, int status) {
        failNextStatus = status;
        failNext.set(count);
    }

    void delay(Duration d, Predicate<RecordedRequest> which) {
        delayWhich = which;
        delay = d;
    }

    void expireNextWatches(int n) {
        expireNextWatches.set(n);
    }

    void retryAfter(int seconds) {
        retryAfterSeconds = seconds;
    }

    int retryAfterSeconds() {
        return retryAfterSeconds;
    }

    void forbid(Predicate<RecordedRequest> which) {
        forbid = which;
    }

    boolean forbidden(RecordedRequest r) {
        return forbid.test(r);
    }

    void expireContinueTokens(boolean on) {
        expireContinueTokens = on;
    }

    boolean expireContinueTokens() {
        return expireContinueTokens;
    }

    void clear() {
        retryAfterSeconds = 1;
        forbid = r -> false;
        expireContinueTokens = false;
        failStatus = 0;
        failNext.set(0);
        delay = Duration.ZERO;
        expireNextWatches.set(0);
    }

    /** The HTTP status to fail this request with, or 0. */
    int failureFor(RecordedRequest r) {
        int s = failStatus;
        if (s != 0 && failWhich.test(r)) {
            return s;
        }
        if (failNext.getAndUpdate(n -> n > 0 ? n - 1 : 0) > 0) {
            return failNextStatus;
        }
        return 0;
    }

    Duration delayFor(RecordedRequest r) {
        Duration d = delay;
        return d.isZero() || !delayWhich.test(r) ? Duration.ZERO : d;
    }

    boolean takeForcedExpiry() {
        return expireNextWatches.getAndUpdate(n -> n > 0 ? n - 1 : 0) > 0;
    }
}
