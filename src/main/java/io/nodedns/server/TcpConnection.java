package io.nodedns.server;

import io.nodedns.sys.Epoll;
import io.nodedns.sys.StreamSockets;
import java.io.IOException;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
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
 */
final class TcpConnection implements ConnectionSet.Member {
    static final int IDLE = 0;
    static final int READING = 1;
    static final int PAUSED = 2;
    static final int ARMING = 4;
    static final int CLOSED = 5;
    private static final VarHandle STATE;
    private static final VarHandle IN_FLIGHT;

    static {
        try {
            MethodHandles.Lookup lookup = MethodHandles.lookup();
            STATE = lookup.findVarHandle(TcpConnection.class, "state", int.class);
            IN_FLIGHT = lookup.findVarHandle(TcpConnection.class, "inFlight", int.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private final TcpServer server;
    private final SocketChannel channel;
    private final int fd;
    /** The poller's slot and generation (epoll event data). */
    long key;
    private volatile int state;
    /** Queries read and not yet answered (their threads hold a work each). */
    private volatile int inFlight;
    /** nanoTime after which the reaper closes it for want of a query; 0 for none (a query is in flight). */
    private volatile long deadline;
    /** nanoTime by which the reply being written must be out; 0 while none is (apart: reads go on meanwhile). */
    private volatile long writeDeadline;
    /** When it began waiting for a query (nanoTime): the acceptor evicts the longest-waiting one. */
    private volatile long waitingSince;
    /** The pooled work of the message being read (poller only); null between messages. */
    private TcpWork work;
    private int length = -1;
    /** Bytes of the prefix or message read so far, and the prefix read so far: 16 bits each (chars keep an idle connection small). */
    private char got;
    private char partial;
    /** Messages read (written by the reader only). */
    private volatile int served;

    /** Without a descriptor ({@code fd} < 0) it is served by blocking reads, never by the poller. */
    TcpConnection(TcpServer server, SocketChannel channel, int fd, long now) {
        this.server = server;
        this.channel = channel;
        this.fd = fd;
        this.waitingSince = now;
        this.deadline = now + server.settings().tcpRead().toNanos();
    }

    /** Poller thread: the watch fired; reads what is complete, and starts serving a whole message. */
    void readable(int events, TcpPoller p) throws IOException {
        while (true) {
            int s = state;
            if (s == IDLE && STATE.compareAndSet(this, IDLE, READING)) {
                break;
            }
            if (s != ARMING) {
                return; // closed or paused meanwhile
            }
            Thread.onSpinWait(); // another thread re-armed and is about to mark it IDLE
        }
        boolean ended = (events & (Epoll.EPOLLERR | Epoll.EPOLLHUP)) != 0;
        if (length < 0) {
            long n = StreamSockets.recv(fd, p.prefix.address(), 2 - got);
            if (n == 0 || (n < 0 && ended)) {
                closeOwned();
                return;
            }
            if (n > 0) {
                for (int i = 0; i < n; i++) {
                    partial = (char) ((partial << 8) | (p.prefix.get(ValueLayout.JAVA_BYTE, i) & 0xff));
                }
                got += (char) n;
                if (got == 2) {
                    length = partial; // known: now wait until the whole message is queued
                    partial = 0;
                    got = 0;
                    if (length == 0) {
                        startServing(p); // nothing to wait for (and SO_RCVLOWAT stays at 2)
                        return;
                    }
                    if (length != 2 && !StreamSockets.receiveLowWater(fd, length, p.lowWater)) {
                        closeOwned();
                        return;
                    }
                }
            }
            waitAgain(p);
            return;
        }
        if (length == 0) {
            startServing(p); // an empty message resumed after waiting for work: nothing to read
            return;
        }
        if (work == null) {
            work = server.tryTakeWork();
            if (work == null) {
                noWork(p);
                return;
            }
        }
        long n = StreamSockets.recv(fd, work.requestAddress(length) + got, length - got);
        if (n == 0 || (n < 0 && ended)) {
            closeOwned();
            return;
        }
        if (n > 0) {
            got += (char) n;
        }
        if (got < length) {
            // woken before the whole message (not expected with SO_RCVLOWAT): wait for the rest
            if (!StreamSockets.receiveLowWater(fd, length - got, p.lowWater)) {
                closeOwned();
                return;
            }
            waitAgain(p);
            return;
        }
        if (length != 2 && !StreamSockets.receiveLowWater(fd, 2, p.lowWater)) {
            closeOwned();
            return;
        }
        startServing(p);
    }

    /**
     * Poller thread, the listener's pool is empty: with a query of its own in flight the
     * connection waits for it to give its work back; with none the message is shed (counted by
     * the server) and the connection closed, as before pipelining.
     */
    private void noWork(TcpPoller p) {
        if (inFlight == 0) {
            server.countShed();
            closeOwned();
            return;
        }
        pause(p, 1);
    }

    /** Poller thread: hands the message read to a virtual thread, then reads on unless at a bound. */
    private void startServing(TcpPoller p) {
        TcpWork w = work;
        if (w == null) {
            w = server.tryTakeWork();
            if (w == null) {
                noWork(p);
                return;
            }
            w.requestAddress(0);
        }
        work = null;
        length = -1;
        got = 0;
        deadline = 0;
        waitingSince = 0;
        served++;
        IN_FLIGHT.getAndAdd(this, 1);
        w.connection = this;
        try {
            Thread.ofVirtual().name("nodedns-tcp-query").start(w);
        } catch (RuntimeException | Error e) {
            IN_FLIGHT.getAndAdd(this, -1); // no thread to serve it: give the work back and close, then let the poller count it
            server.giveBack(w);
            closeOwned();
            throw e;
        }
        if (lastRead()) {
            state = PAUSED; // no more reads: the last reply closes it
            return;
        }
        pause(p, TcpServer.MAX_PIPELINED);
    }

    /**
     * Poller thread: stops reading, then reads on at once if fewer than {@code below} queries are
     * in flight. Otherwise the query that brings the count under it re-arms ({@link #finished});
     * checking after PAUSED is visible means one of the two always does.
     */
    private void pause(TcpPoller p, int below) {
        state = PAUSED;
        if (inFlight < below && STATE.compareAndSet(this, PAUSED, ARMING)) {
            if (p.rearm(this, fd, p.ctlScratch)) {
                state = IDLE;
            } else {
                closeOwned();
            }
        }
    }

    /** True once the connection has read its {@code maxqueries}-th message (timeouts plugin). */
    private boolean lastRead() {
        int max = server.settings().maxTcpQueries();
        return max >= 0 && served >= max;
    }

    /** Poller thread, message incomplete: watch again (the deadline stays). */
    private void waitAgain(TcpPoller p) {
        if (!p.rearm(this, fd, p.ctlScratch)) {
            closeOwned();
            return;
        }
        state = IDLE;
    }

    /** Virtual thread of one query: serves it, writes its reply when ready, then gives its work back. */
    void serve(TcpWork w) {
        boolean ok = true;
        try {
            if (w.serve(server.listener(), (InetSocketAddress) channel.getRemoteAddress())) {
                synchronized (this) { // one whole reply at a time on the stream
                    if (state == CLOSED) {
                        ok = false;
                    } else {
                        writeDeadline = System.nanoTime() + server.settings().tcpWrite().toNanos();
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
        if (!ok || (left == 0 && lastRead())) {
            server.giveBack(w);
            close();
            return;
        }
        if (left == 0) {
            long now = System.nanoTime();
            waitingSince = now;
            deadline = now + server.settings().tcpIdle().toNanos();
            if (inFlight > 0) { // the poller started another meanwhile: no idle deadline after all
                deadline = 0;
                waitingSince = 0;
            }
        }
        if (state == PAUSED && !lastRead() && STATE.compareAndSet(this, PAUSED, ARMING)) {
            TcpPoller poller = poller();
            boolean armed = poller == null || poller.rearm(this, fd, w.scratch);
            if (armed) {
                state = IDLE; // at once: the poller may be spinning on ARMING for this connection
            } else {
                closeOwned();
            }
        }
        server.giveBack(w);
    }

    /**
     * Without epoll: this connection's own virtual thread waits in blocking reads (it then costs a
     * stack) and serves its queries one after another.
     */
    void runBlocking() {
        ByteBuffer prefix = ByteBuffer.allocate(2);
        try {
            while (state == IDLE) {
                prefix.clear();
                while (prefix.hasRemaining()) {
                    if (channel.read(prefix) < 0) {
                        return;
                    }
                }
                int n = ((prefix.get(0) & 0xff) << 8) | (prefix.get(1) & 0xff);
                TcpWork w = server.takeWork();
                if (w == null) {
                    return;
                }
                work = w;
                w.requestAddress(n);
                ByteBuffer body = ((org.agrona.ExpandableDirectByteBuffer) w.exchange.request()).byteBuffer();
                body.clear().limit(n);
                while (body.hasRemaining()) {
                    if (channel.read(body) < 0) {
                        return;
                    }
                }
                if (!STATE.compareAndSet(this, IDLE, PAUSED)) {
                    return;
                }
                work = null;
                deadline = 0;
                waitingSince = 0;
                served++;
                IN_FLIGHT.getAndAdd(this, 1);
                serve(w); // back to IDLE unless it closed
            }
        } catch (IOException | RuntimeException e) {
            // timeout (the reaper closed it), or a broken client
        } finally {
            if (work != null) {
                server.giveBack(work);
                work = null;
            }
            close();
        }
    }

    /**
     * The poller, or null for a blocking connection; taken from the server rather than held, as
     * are the client's address (the channel keeps it) and the rest: an idle connection is this
     * object, 80 bytes, which TcpPileUpTest bounds.
     */
    private TcpPoller poller() {
        return fd < 0 ? null : server.poller();
    }

    /** When it began waiting for a query (nanoTime), or 0 while one is in flight. */
    @Override
    public long waitingSince() {
        return waitingSince;
    }

    /** Reaper: closes the connection if it is past its deadline; returns what closed it, or 0. */
    @Override
    public int expireIfDue(long now) {
        long w = writeDeadline;
        long d = deadline;
        boolean write = w != 0 && now - w >= 0;
        if (!write && (d == 0 || now - d < 0)) {
            return 0;
        }
        int s = state;
        if ((s != IDLE && s != PAUSED) || (write ? writeDeadline != w : deadline != d)
                || !STATE.compareAndSet(this, s, CLOSED)) {
            return 0;
        }
        release(s);
        return write ? TcpServer.WRITE : served == 0 ? TcpServer.READ : TcpServer.IDLE_TIMEOUT;
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

    /** Closes it whatever it does (shutdown, a failed reply); waits out the short raw-call windows. */
    void close() {
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

    /** Poller: reading it failed unexpectedly. */
    void closeAfterFailure() {
        if (state == READING) {
            closeOwned();
        }
    }

    /** The owner (poller or arming thread) closes it. */
    private void closeOwned() {
        int s = state;
        state = CLOSED;
        release(s);
    }

    /**
     * Closes the channel (leaving the epoll set) and frees the poller slot. Work held for a message
     * being read (whose rest never came) is given back here; each query's thread gives back its
     * own, and a blocking reader its own.
     */
    private void release(int from) {
        TcpServer.closeQuietly(channel);
        TcpPoller poller = poller();
        if (poller != null) {
            poller.detach(key);
            if (from == IDLE || from == READING) {
                TcpWork w = work;
                if (w != null) {
                    work = null;
                    server.giveBack(w);
                }
            }
        }
        server.closed(this);
    }
}
