package io.nodedns.upstream;

import io.nodedns.server.MetricSource;
import java.util.concurrent.atomic.AtomicLongArray;

/**
 * Replies from one upstream counted by one writer: per rcode, the round-trip histogram over
 * {@link MetricSource#TIME_BUCKETS} and its sum. A UDP loop owns its own (single writer: a plain
 * read and an ordered store, no contended cache line); threads that are not loops share one and
 * add atomically. Summed over writers at scrape.
 */
final class ReplyCounts {
    /** Per rcode: 16 buckets, the one above the last bound, then the nanosecond sum. */
    static final int STRIDE = MetricSource.TIME_BUCKETS.length + 2;
    private static final long[] BUCKET_NANOS = new long[MetricSource.TIME_BUCKETS.length];

    static {
        for (int i = 0; i < BUCKET_NANOS.length; i++) {
            BUCKET_NANOS[i] = Math.round(MetricSource.TIME_BUCKETS[i] * 1e9);
        }
    }

    /** The loop that writes these counts, or null for the shared ones. */
    final Object owner;
    private final AtomicLongArray counts = new AtomicLongArray(16 * STRIDE);

    ReplyCounts(Object owner) {
        this.owner = owner;
    }

    void add(int rcode, long nanos) {
        int row = (rcode & 0xF) * STRIDE;
        int b = 0;
        while (b < BUCKET_NANOS.length && nanos > BUCKET_NANOS[b]) {
            b++;
        }
        if (owner != null) {
            counts.lazySet(row + b, counts.get(row + b) + 1);
            counts.lazySet(row + STRIDE - 1, counts.get(row + STRIDE - 1) + nanos);
        } else {
            counts.incrementAndGet(row + b);
            counts.addAndGet(row + STRIDE - 1, nanos);
        }
    }

    /** Bucket b (0..16, 16 above the last bound) of an rcode, or its nanosecond sum at b = 17. */
    long get(int rcode, int b) {
        return counts.get((rcode & 0xF) * STRIDE + b);
    }
}
