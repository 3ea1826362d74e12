package io.nodedns.plugin.forward;

import io.nodedns.upstream.Policy;
import io.nodedns.upstream.Upstream;

/**
 * One query's walk over the upstreams (CoreDNS plugin/forward/forward.go): a snapshot of the table,
 * the policy's lazy order, down-skipping with the all-down fallback, the connect-attempt cap and
 * the overall deadline. Reused: UDP loops keep one per pending slot, so the walk allocates nothing.
 */
final class Attempts {
    static final int EXHAUSTED = -1;
    static final int NO_HEALTHY = -2;
    static final String NO_HEALTHY_ERROR = "no healthy proxies";

    Upstream[] list;
    int n;
    private Policy policy;
    private int begin;
    private int pos;
    private long tried;
    private int down;
    int connects;
    int failovers;
    long deadline;
    String lastError;

    void start(Upstream[] upstreams, Policy p, long now, long budgetNanos) {
        list = upstreams;
        n = upstreams.length;
        policy = p;
        begin = p.begin(n);
        pos = 0;
        tried = 0;
        down = 0;
        connects = 0;
        failovers = 0;
        deadline = now + budgetNanos;
        lastError = null;
    }

    /**
     * The index of the next upstream to try, {@link #EXHAUSTED} (deadline or attempt cap), or
     * {@link #NO_HEALTHY} (every upstream down and failfast set).
     */
    int next(long now, ForwardHandler f) {
        if (n == 0) {
            return EXHAUSTED;
        }
        int cap = f.maxConnectAttempts(n);
        while (true) {
            if (now - deadline >= 0 || (cap > 0 && connects >= cap)) {
                return EXHAUSTED;
            }
            if (pos >= n) { // end of the list: start over, as CoreDNS does
                pos = 0;
                down = 0;
                tried = 0;
            }
            int idx = policy.pick(pos, n, begin, tried);
            pos++;
            if (idx < 64) {
                tried |= 1L << idx;
            }
            if (!list[idx].down(f.maxFails())) {
                return idx;
            }
            down++;
            if (down < n) {
                continue;
            }
            f.countHealthcheckBroken();
            if (f.failfast()) {
                return NO_HEALTHY;
            }
            return Policy.randomIndex(n); // all down: healthchecking is probably broken, try one anyway
        }
    }

    /** An exchange failed: it counts towards the attempt cap. */
    void failed(String error) {
        connects++;
        lastError = error;
    }

    /** A reply with a failover rcode: true while fewer than N such replies came (try the next one). */
    boolean failover() {
        return ++failovers < n;
    }

    /** The error for a query that ran out of attempts. */
    String finalError() {
        return lastError != null ? lastError : NO_HEALTHY_ERROR;
    }

    void clear() {
        list = null;
        policy = null;
        lastError = null;
    }
}
