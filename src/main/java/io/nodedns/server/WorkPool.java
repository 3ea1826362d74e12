package io.nodedns.server;

import java.io.IOException;
import java.net.InetSocketAddress;

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

    /**
     * Serves one query through {@code listener}'s chain on a work of this pool: the reply's bytes,
     * or null when the chain dropped it (acl {@code drop}).
     *
     * @throws Busy when all works are in use (the listener serves {@code max} queries already):
     *     counted as shed ({@link Listener#countTcpShed})
     */
    byte[] answer(Listener listener, InetSocketAddress remote, byte[] query, int n) throws IOException {
        TcpWork w = take();
        if (w == null) {
            listener.countTcpShed();
            throw new Busy();
        }
        try {
            return answer(w, listener, remote, query, n);
        } finally {
            giveBack(w);
        }
    }

    /** As {@link #answer(Listener, InetSocketAddress, byte[], int)} on a work the caller took and gives back. */
    static byte[] answer(TcpWork w, Listener listener, InetSocketAddress remote, byte[] query, int n)
            throws IOException {
        w.requestAddress(n);
        w.exchange.request().putBytes(0, query, 0, n);
        if (!w.serve(listener, remote)) {
            return null;
        }
        byte[] reply = new byte[w.exchange.responseLength()];
        w.exchange.response().getBytes(0, reply, 0, reply.length);
        return reply;
    }

    /** No work free: a DoT connection is closed, as a plain TCP one is; a DoH request is answered 503. */
    static final class Busy extends IOException {
        Busy() {
            super("no work free");
        }
    }

    /** Works made so far. */
    synchronized int created() {
        return created;
    }
}
