package io.nodedns.server;

/**
 * A listener's pool of {@link TcpWork}, made on demand up to a bound: stream connections hold
 * none while they wait, and a flood of busy ones cannot grow memory past the bound.
 */
final class WorkPool {
    private final TcpWork[] pool;
    private int pooled;
    private int created;

    WorkPool(int max) {
        pool = new TcpWork[max];
    }

    /** A work, or null when all {@code max} are in use. */
    synchronized TcpWork take() {
        if (pooled > 0) {
            TcpWork w = pool[--pooled];
            pool[pooled] = null;
            return w;
        }
        if (created < pool.length) {
            created++;
            return new TcpWork();
        }
        return null;
    }

    synchronized void giveBack(TcpWork w) {
        pool[pooled++] = w;
    }

    /** Works made so far. */
    synchronized int created() {
        return created;
    }
}
