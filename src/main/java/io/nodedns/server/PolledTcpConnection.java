package io.nodedns.server;

import io.nodedns.sys.Epoll;
import io.nodedns.sys.StreamSockets;
import java.io.IOException;
import java.lang.foreign.ValueLayout;
import java.nio.channels.SocketChannel;

/**
 * A connection watched by the {@link TcpPoller}: its 2-byte length prefix and then the whole
 * message are waited for in the kernel (SO_RCVLOWAT), read by the poller thread with raw system
 * calls, and served on a virtual thread. See {@link TcpConnection} for the states. The poller is
 * taken from the server rather than held, as are the client's address (the channel keeps it) and
 * the rest: an idle connection is this object, 80 bytes, which TcpPileUpTest bounds.
 */
final class PolledTcpConnection extends TcpConnection {
    private final int fd;
    /** The poller's slot and generation (epoll event data). */
    long key;
    /** The pooled work of the message being read (poller only); null between messages. */
    private TcpWork work;
    private int length = -1;
    /** Bytes of the prefix or message read so far, and the prefix read so far: 16 bits each (chars keep an idle connection small). */
    private char got;
    private char partial;

    PolledTcpConnection(TcpServer server, SocketChannel channel, int fd, long now) {
        super(server, channel, now);
        this.fd = fd;
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

    /** Poller thread, message incomplete: watch again (the deadline stays). */
    private void waitAgain(TcpPoller p) {
        if (!p.rearm(this, fd, p.ctlScratch)) {
            closeOwned();
            return;
        }
        state = IDLE;
    }

    @Override
    boolean readOn(TcpWork w) {
        return server.poller.rearm(this, fd, w.scratch);
    }

    /** Poller: reading it failed unexpectedly. */
    void closeAfterFailure() {
        if (state == READING) {
            closeOwned();
        }
    }

    /**
     * Frees the poller slot. Work held for a message being read (whose rest never came) is given
     * back here; each query's thread gives back its own.
     */
    @Override
    void released(int from) {
        server.poller.detach(key);
        if (from == IDLE || from == READING) {
            TcpWork w = work;
            if (w != null) {
                work = null;
                server.giveBack(w);
            }
        }
    }
}
