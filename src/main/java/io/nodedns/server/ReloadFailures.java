package io.nodedns.server;

import java.util.concurrent.atomic.LongAdder;

/** Counts failed reloads (coredns_reload_failed_total) for whoever exports metrics. */
public final class ReloadFailures {
    private static final LongAdder FAILED = new LongAdder();

    private ReloadFailures() {}

    static void increment() {
        FAILED.increment();
    }

    public static long count() {
        return FAILED.sum();
    }
}
