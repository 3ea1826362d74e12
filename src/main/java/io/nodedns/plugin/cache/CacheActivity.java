package io.nodedns.plugin.cache;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/**
 * Per-entry bookkeeping outside the entry's sequence lock: the prefetch hit counter and the
 * single-refresh flag with its retry time. Hit counting races benignly (a lost increment only
 * delays a prefetch); the refresh flag is a CAS, so at most one refresh per entry runs.
 */
final class CacheActivity {
    private static final VarHandle INTS = MethodHandles.arrayElementVarHandle(int[].class);

    private final int[] refreshing;
    private final long[] retryAfter;
    private final long[] lastHit;
    private final int[] hitCount;

    CacheActivity(int entries) {
        this.refreshing = new int[entries];
        this.retryAfter = new long[entries];
        this.lastHit = new long[entries];
        this.hitCount = new int[entries];
    }

    static long bytesPerEntry() {
        return 4 + 8 + 8 + 4;
    }

    /** A new reply in the entry: refresh state cleared; a new key also restarts the hit count. */
    void stored(int g, boolean newKey) {
        if (newKey) {
            hitCount[g] = 0;
        }
        retryAfter[g] = 0;
        INTS.setRelease(refreshing, g, 0);
    }

    /** Claims the one background refresh an entry may have; false if one runs or a failure is recent. */
    boolean beginRefresh(int g, long now) {
        long after = retryAfter[g];
        if (after != 0 && now - after < 0) {
            return false;
        }
        return INTS.compareAndSet(refreshing, g, 0, 1);
    }

    void endRefresh(int g, long now, long recheckNanos, boolean refreshed) {
        retryAfter[g] = recheckNanos > 0 && !refreshed ? (now + recheckNanos) | 1 : 0;
        INTS.setRelease(refreshing, g, 0);
    }

    /** Counts a fresh hit: hits less than {@code window} apart add up, otherwise the count restarts at 1. */
    int touch(int g, long now, long window) {
        int n = hitCount[g];
        n = n == 0 || now - lastHit[g] > window ? 1 : n + 1;
        hitCount[g] = n;
        lastHit[g] = now;
        return n;
    }
}
