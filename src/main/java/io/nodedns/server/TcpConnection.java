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
 * One TCP client: 2-byte length framing, queries handled in order (as CoreDNS does). While it
 * waits for a query a connection is this object and its channel, nothing more: no thread, no
 * buffer. The {@link TcpPoller} reports it once a whole message is queued in the kernel; then it
 * takes a {@link TcpWork} from its listener's pool, and a virtual thread serves the query, writes
 * the reply and hands the connection back to the poller.
 *
 * <p>Deadlines (CoreDNS's, from miekg/dns): the whole first query must arrive within {@code read}
 * of the accept, each later one within {@code idle} of the previous reply, and each reply must be
 * written within {@code write}; the server's reaper closes a connection past its deadline.
 *
 * <p>Who may touch the descriptor is decided by {@link #state}: the poller while READING, the
 * serving thread while SERVING, WRITING and ARMING; anyone closes it by moving it to CLOSED from
 * IDLE, SERVING or WRITING (JDK operations survive an asynchronous close), never from READING or
 * ARMING, when the owner makes raw system calls on the descriptor number.
 */
final class TcpConnection implements Runnable {
    static final int IDLE = 0;
    static final int READING = 1;
    static final int SERVING = 2;
    static final int WRITING = 3;
    static final int ARMING = 4;
    static final int CLOSED = 5;
    private static final VarHandle STATE;

    static {
        try {
            STATE = MethodHandles.lookup().findVarHandle(TcpConnection.class, "state", int.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private final TcpServer server;
    private final SocketChannel channel;
    private final InetSocketAddress remote;
    private final TcpPoller poller;
    private final int fd;
    /** The poller's slot and generation (epoll event data). */
    long key;
    private volatile int state;
    /** nanoTime after which the reaper closes it; 0 for none (a query is being served). */
    private volatile long deadline;
    /** When it began waiting for a query (nanoTime): the acceptor evicts the longest-waiting one. */
    private volatile long waitingSince;
    /** The pooled work while a message is read, served or written; null while idle. */
    private TcpWork work;
    private int length = -1;
    private int got;
    private int partial;
    private int served;

    TcpConnection(TcpServer server, SocketChannel channel, InetSocketAddress remote, TcpPoller poller, int fd, long now) {
        this.server = server;
        this.channel = channel;
        this.remote = remote;
        this.poller = poller;
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
                return; // closed meanwhile
            }
            Thread.onSpinWait(); // the serving thread re-armed and is about to mark it IDLE
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
                    partial = (partial << 8) | (p.prefix.get(ValueLayout.JAVA_BYTE, i) & 0xff);
                }
                got += (int) n;
                if (got == 2) {
                    length = partial; // known: now wait until the whole message is queued
                    partial = 0;
                    got = 0;
                    if (length == 0) {
                        startServing(); // nothing to wait for (and SO_RCVLOWAT stays at 2)
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
        if (work == null) {
            work = server.takeWork();
            if (work == null) {
                closeOwned(); // shed: the pool of busy connections is full (counted by the server)
                return;
            }
        }
        long n = StreamSockets.recv(fd, work.requestAddress(length) + got, length - got);
        if (n == 0 || (n < 0 && ended)) {
            closeOwned();
            return;
        }
        if (n > 0) {
            got += (int) n;
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
        startServing();
    }

    private void startServing() {
        if (work == null) {
            work = server.takeWork();
            if (work == null) {
                closeOwned();
                return;
            }
            work.requestAddress(0);
        }
        length = -1;
        got = 0;
        deadline = 0;
        waitingSince = 0;
        state = SERVING;
        try {
            Thread.ofVirtual().name("nodedns-tcp-conn").start(this);
        } catch (RuntimeException | Error e) {
            TcpWork w = work; // no thread to serve it: give the work back and close, then let the poller count it
            work = null;
            server.giveBack(w);
            closeOwned();
            throw e;
        }
    }

    /** Poller thread, message incomplete: watch again (the deadline stays). */
    private void waitAgain(TcpPoller p) {
        if (!p.rearm(this, fd, p.ctlScratch)) {
            closeOwned();
            return;
        }
        state = IDLE;
    }

    /** Virtual thread: serves the message read, writes the reply, then waits for the next one. */
    @Override
    public void run() {
        TcpWork w = work;
        boolean keep = false;
        try {
            served++;
            if (w.serve(server.listener(), remote)) {
                if (!STATE.compareAndSet(this, SERVING, WRITING)) {
                    return;
                }
                deadline = System.nanoTime() + server.settings().tcpWrite().toNanos();
                w.writeReply(channel);
            }
            int max = server.settings().maxTcpQueries();
            keep = max < 0 || served < max;
        } catch (IOException | RuntimeException e) {
            keep = false; // a broken client must not affect anyone else
        } finally {
            finishServing(w, keep);
        }
    }

    private void finishServing(TcpWork w, boolean keep) {
        int s = state;
        if (!keep || (s != SERVING && s != WRITING) || !STATE.compareAndSet(this, s, ARMING)) {
            work = null;
            server.giveBack(w);
            close();
            return;
        }
        long now = System.nanoTime();
        waitingSince = now;
        deadline = now + server.settings().tcpIdle().toNanos();
        boolean armed = poller == null || poller.rearm(this, fd, w.scratch);
        work = null;
        if (armed) {
            state = IDLE; // at once: the poller may be spinning on ARMING for this connection
        } else {
            closeOwned();
        }
        server.giveBack(w);
    }

    /** Without epoll: this connection's own virtual thread waits in blocking reads (it then costs a stack). */
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
                if (!STATE.compareAndSet(this, IDLE, SERVING)) {
                    return;
                }
                deadline = 0;
                waitingSince = 0;
                run();
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

    /** When it began waiting for a query (nanoTime), or 0 while it is serving one. */
    long waitingSince() {
        return waitingSince;
    }

    /** Reaper: closes the connection if it is past its deadline; returns what closed it, or 0. */
    int expireIfDue(long now) {
        long d = deadline;
        if (d == 0 || now - d < 0) {
            return 0;
        }
        int s = state;
        if ((s != IDLE && s != WRITING) || deadline != d || !STATE.compareAndSet(this, s, CLOSED)) {
            return 0;
        }
        release(s);
        return s == WRITING ? TcpServer.WRITE : served == 0 ? TcpServer.READ : TcpServer.IDLE_TIMEOUT;
    }

    /** Closes it if it only waits (the acceptor makes room for a new connection); false if it is busy. */
    boolean evict() {
        if (!STATE.compareAndSet(this, IDLE, CLOSED)) {
            return false;
        }
        release(IDLE);
        return true;
    }

    /** Closes it whatever it does (shutdown); waits out the short raw-call windows. */
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

    /** The owner (poller or serving thread) closes it. */
    private void closeOwned() {
        int s = state;
        state = CLOSED;
        release(s);
    }

    /**
     * Closes the channel (leaving the epoll set) and frees the poller slot. Work held by an idle
     * epoll connection (a message whose rest never came) is given back here; a serving thread and
     * a blocking reader give back their own.
     */
    private void release(int from) {
        TcpServer.closeQuietly(channel);
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
