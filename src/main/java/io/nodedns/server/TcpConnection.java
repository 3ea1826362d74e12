package io.nodedns.server;

import java.io.IOException;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.net.InetSocketAddress;
import java.nio.channels.SocketChannel;

/**
 * One TCP client: 2-byte length framing. While it waits for a query a connection is this object
 * and its channel, nothing more: no thread, no buffer. The {@link TcpPoller} reports it once a
 * whole message is queued in the kernel; the poller then takes a {@link TcpWork} from the
 * listener's pool, starts a virtual thread that serves the query and writes its reply, and watches
 * for the next message at once. Pipelined queries are so served concurrently and each reply is
 * written when it is ready (RFC 7766 6.2.1.1, 7): a cached answer is not held behind a slow
 * upstream's. Replies go out whole, one at a time, and clients match them by ID. At most
 * {@link TcpServer#MAX_PIPELINED} queries of one connection are in flight; past that, or when the
 * listener's pool is empty, reading pauses until one of them is answered (the kernel holds the
 * rest and TCP flow control slows the client).
 *
 * <p>Deadlines (CoreDNS's, from miekg/dns): the whole first query must arrive within {@code read}
 * of the accept, each later one within {@code idle} of the last reply when none is in flight, and
 * each reply must be written within {@code write}; the server's reaper closes a connection past
 * its deadline. While a query is in flight there is no read deadline.
 *
 * <p>Who may touch the descriptor with raw system calls is decided by {@link #state}: the poller
 * while READING, the thread that moved it to ARMING while ARMING. Anyone closes it by moving it
 * to CLOSED from IDLE (watched) or PAUSED (not watched), never from READING or ARMING. Replies
 * are written through the JDK channel, which survives an asynchronous close.
 *
 * <p>This class holds what every connection shares (the state, deadlines, serving a query and
 * closing); how its queries are read is its subclass: {@link PolledTcpConnection} (epoll, the
 * norm) or {@link BlockingTcpConnection} (blocking reads where epoll is unavailable).
 */
abstract sealed class TcpConnection implements SocketStreamServer.Connection
        permits PolledTcpConnection, BlockingTcpConnection {
    static final int IDLE = 0;
    static final int READING = 1;
    static final int PAUSED = 2;
    static final int ARMING = 4;
    static final int CLOSED = 5;
    static final VarHandle STATE;
    static final VarHandle IN_FLIGHT;

    static {
        try {
            MethodHandles.Lookup lookup = MethodHandles.lookup();
            STATE = lookup.findVarHandle(TcpConnection.class, "state", int.class);
            IN_FLIGHT = lookup.findVarHandle(TcpConnection.class, "inFlight", int.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    final TcpServer server;
    final SocketChannel channel;
    volatile int state;
    /** Queries read and not yet answered (their threads hold a work each). */
    volatile int inFlight;
    /** nanoTime after which the reaper closes it for want of a query; 0 for none (a query is in flight). */
    volatile long deadline;
    /** nanoTime by which the reply being written must be out; 0 while none is (apart: reads go on meanwhile). */
    private volatile long writeDeadline;
    /** When it began waiting for a query (nanoTime): the acceptor evicts the longest-waiting one. */
    volatile long waitingSince;
    /** Messages read (written by the reader only). */
    volatile int served;
    /** Set by {@link #closeWhenIdle}: the last reply in flight closes it. */
    private volatile boolean closeWhenIdle;

    TcpConnection(TcpServer server, SocketChannel channel, long now) {
        this.server = server;
        this.channel = channel;
        this.waitingSince = now;
        this.deadline = now + server.settings.tcpRead().toNanos();
    }

    /** Virtual thread of one query: serves it, writes its reply when ready, then gives its work back. */
    void serve(TcpWork w) {
        boolean ok = true;
        try {
            if (w.serve(server.listener, (InetSocketAddress) channel.getRemoteAddress())) {
                synchronized (this) { // one whole reply at a time on the stream
                    if (state == CLOSED) {
                        ok = false;
                    } else {
                        writeDeadline = System.nanoTime() + server.settings.tcpWrite().toNanos();
                        try {
                            w.writeReply(channel);
                        } finally {
                            writeDeadline = 0;
                        }
                    }
                }
            }
        } catch (IOException | RuntimeException e) {
            ok = false; // a broken client must not affect anyone else
        } finally {
            finished(w, ok);
        }
    }

    private void finished(TcpWork w, boolean ok) {
        w.connection = null; // a pooled work keeps no closed connection alive
        int left = (int) IN_FLIGHT.getAndAdd(this, -1) - 1;
        if (!ok || (left == 0 && (lastRead() || closeWhenIdle))) {
            server.giveBack(w);
            close();
            return;
        }
        if (left == 0) {
            long now = System.nanoTime();
            waitingSince = now;
            deadline = now + server.settings.tcpIdle().toNanos();
            if (inFlight > 0) { // the poller started another meanwhile: no idle deadline after all
                deadline = 0;
                waitingSince = 0;
            }
        }
        if (state == PAUSED && !lastRead() && STATE.compareAndSet(this, PAUSED, ARMING)) {
            if (readOn(w)) {
                state = IDLE; // at once: the poller may be spinning on ARMING for this connection
            } else {
                closeOwned();
            }
        }
        server.giveBack(w);
    }

    /** A query's thread, the connection paused at its bound: reading may go on; false if it cannot (then it closes). */
    abstract boolean readOn(TcpWork w);

    /** True once the connection has read its {@code maxqueries}-th message (timeouts plugin). */
    boolean lastRead() {
        int max = server.settings.maxTcpQueries();
        return max >= 0 && served >= max;
    }

    /** When it began waiting for a query (nanoTime), or 0 while one is in flight. */
    @Override
    public long waitingSince() {
        return waitingSince;
    }

    /** Reaper: closes the connection if it is past its deadline, or idle once {@link #closeWhenIdle} was asked. */
    @Override
    public void expireIfDue(long now) {
        if (closeWhenIdle && served > 0 && evict()) {
            return; // it was reading when asked and found no whole message
        }
        long w = writeDeadline;
        long d = deadline;
        boolean write = w != 0 && now - w >= 0;
        if (!write && (d == 0 || now - d < 0)) {
            return;
        }
        int s = state;
        if ((s != IDLE && s != PAUSED) || (write ? writeDeadline != w : deadline != d)
                || !STATE.compareAndSet(this, s, CLOSED)) {
            return;
        }
        release(s);
    }

    /** Closes it if it only waits (the acceptor makes room for a new connection); false if it is busy. */
    @Override
    public boolean evict() {
        if (inFlight != 0 || !STATE.compareAndSet(this, IDLE, CLOSED)) {
            return false;
        }
        release(IDLE);
        return true;
    }

    @Override
    public InetSocketAddress localAddress() {
        try {
            return (InetSocketAddress) channel.getLocalAddress();
        } catch (IOException e) {
            return null;
        }
    }

    /**
     * One that has read no message yet is left to its first reply (or its read deadline): its
     * first query may wait unread in the kernel, its poller not having read it yet.
     */
    @Override
    public void closeWhenIdle() {
        closeWhenIdle = true;
        if (served > 0) {
            evict();
        }
    }

    /** Closes it whatever it does (shutdown, a failed reply); waits out the short raw-call windows. */
    @Override
    public void close() {
        while (true) {
            int s = state;
            if (s == CLOSED) {
                return;
            }
            if (s == READING || s == ARMING) {
                Thread.onSpinWait();
                continue;
            }
            if (STATE.compareAndSet(this, s, CLOSED)) {
                release(s);
                return;
            }
        }
    }

    /** The owner (poller or arming thread) closes it. */
    void closeOwned() {
        int s = state;
        state = CLOSED;
        release(s);
    }

    /** Closes the channel (leaving the epoll set, if watched) and lets the reader let go of what it holds. */
    private void release(int from) {
        SocketStreamServer.closeQuietly(channel);
        released(from);
        server.closed(this);
    }

    /** After the channel closed, from state {@code from}: the reader gives back what it held. */
    abstract void released(int from);
}
