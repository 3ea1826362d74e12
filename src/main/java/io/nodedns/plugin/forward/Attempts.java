package io.nodedns.plugin.forward;

import io.nodedns.upstream.Policy;
import io.nodedns.upstream.Upstream;

/**
 * One query's walk over the upstreams (CoreDNS plugin/forward/forward.go): a snapshot of the table,
 * the policy's lazy order, down-skipping with the all-down fallback, the connect-attempt cap and
 * the overall deadline. Takes the forwarder's limits as plain values at {@link #start}, so it
 * knows nothing of the handler. Reused: UDP loops keep one per pending slot, so the walk allocates nothing.
 */
final class Attempts {
    static final int EXHAUSTED = -1;
    static final int NO_HEALTHY = -2;
    static final String NO_HEALTHY_ERROR = "no healthy proxies";

    Upstream[] list;
    int n;
    private Policy policy;
    /** Connect attempts allowed (0: no cap), the health checker's fail threshold, failfast_all_unhealthy_upstreams. */
    private int cap;
    private int maxFails;
    private boolean failfast;
    private int begin;
    private int pos;
    private long tried;
    private int down;
    int connects;
    int failovers;
    long deadline;
    String lastError;
    /**
     * The last failure was a UDP send on this socket with {@link #sendErrno}: kept as values, so a
     * failed send followed by a good attempt builds no text ({@link #finalError} builds it).
     */
    private UpstreamSocket sendFailedOn;
    private int sendErrno;
    /**
     * The last {@link #next} found every upstream down: health checking is probably broken
     * (coredns_forward_healthcheck_broken_total, counted by the caller).
     */
    boolean allDown;

    /**
     * @param connectCap connect attempts allowed, 0 for no cap
     * @param maxFails failed health checks that mark an upstream down
     * @param failfast every upstream down answers {@link #NO_HEALTHY} instead of trying one anyway
     */
    void start(Upstream[] upstreams, Policy p, long now, long budgetNanos, int connectCap, int maxFails,
            boolean failfast) {
        list = upstreams;
        n = upstreams.length;
        policy = p;
        cap = connectCap;
        this.maxFails = maxFails;
        this.failfast = failfast;
        allDown = false;
        begin = p.begin(n);
        pos = 0;
        tried = 0;
        down = 0;
        connects = 0;
        failovers = 0;
        deadline = now + budgetNanos;
        lastError = null;
        sendFailedOn = null;
    }

    /**
     * The index of the next upstream to try, {@link #EXHAUSTED} (deadline or attempt cap), or
     * {@link #NO_HEALTHY} (every upstream down and failfast set).
     */
    int next(long now) {
        allDown = false;
        if (n == 0) {
            return EXHAUSTED;
        }
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
            if (!list[idx].down(maxFails)) {
                return idx;
            }
            down++;
            if (down < n) {
                continue;
            }
            allDown = true;
            if (failfast) {
                return NO_HEALTHY;
            }
            return Policy.randomIndex(n); // all down: healthchecking is probably broken, try one anyway
        }
    }

    /** An exchange failed: it counts towards the attempt cap. */
    void failed(String error) {
        connects++;
        lastError = error;
        sendFailedOn = null;
    }

    /** A UDP send failed: it counts towards the attempt cap; the error's text waits till it is read. */
    void sendFailed(UpstreamSocket s, int errno) {
        connects++;
        lastError = null;
        sendFailedOn = s;
        sendErrno = errno;
    }

    /** A reply with a failover rcode: true while fewer than N such replies came (try the next one). */
    boolean failover() {
        return ++failovers < n;
    }

    /** The error for a query that ran out of attempts. */
    String finalError() {
        if (sendFailedOn != null) {
            return sendFailedOn.sendError(sendErrno);
        }
        return lastError != null ? lastError : NO_HEALTHY_ERROR;
    }

    void clear() {
        list = null;
        policy = null;
        lastError = null;
        sendFailedOn = null;
    }
}
