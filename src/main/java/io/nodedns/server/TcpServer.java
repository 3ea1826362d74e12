package io.nodedns.server;

import io.nodedns.sys.LinuxSockets;
import io.nodedns.sys.StreamSockets;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.channels.SocketChannel;

/**
 * DNS over TCP for one listener: an accepting virtual thread; connections wait for queries in the
 * process's {@link TcpPoller} and are served by a virtual thread per message (see
 * {@link TcpConnection}). At {@link ListenerSettings#maxTcpConnections()} a new connection takes
 * the place of the one that has waited longest for a query's bytes, or is closed after up to 1 s
 * if every connection stays busy ({@link ConnectionSet}, {@code SocketAcceptor.admitSoon}), so a flood of idle sockets cannot
 * starve real clients. At most {@link #MAX_BUSY} connections of the listener hold a
 * {@link TcpWork} (buffers) at once; a message that finds none is shed: its connection is closed
 * and counted ({@link Listener#countTcpShed}).
 */
final class TcpServer extends SocketStreamServer<TcpConnection> {
    /** Bound of the listener's pool of work (each about 12 KiB of direct buffers, more after a larger message). */
    static final int MAX_BUSY = 128;
    /**
     * Queries of one connection served at once (RFC 7766 6.2.1.1 pipelining): an eighth of the
     * pool, so one client cannot take it all; further messages wait in the kernel until one is answered.
     */
    static final int MAX_PIPELINED = 16;

    /** Null without epoll, or with -Dnodedns.tcp.native=false: each connection then blocks a virtual thread. */
    final TcpPoller poller = Boolean.parseBoolean(System.getProperty("nodedns.tcp.native", "true"))
            ? TcpPoller.shared()
            : null;
    /** The acceptor's native scratch (epoll_ctl's event struct, then SO_RCVLOWAT's value). */
    private final MemorySegment acceptScratch = Arena.ofAuto().allocate(16, 8);
    private final WorkPool pool = new WorkPool(MAX_BUSY);

    TcpServer(Listener listener, ListenerSettings settings) throws IOException {
        super(listener, settings, "tcp");
    }

    @Override
    void startConnection(SocketChannel socket) throws IOException {
        int fd = poller == null ? -1 : LinuxSockets.fd(socket);
        long now = System.nanoTime();
        TcpConnection connection = fd < 0
                ? new BlockingTcpConnection(this, socket, now)
                : new PolledTcpConnection(this, socket, fd, now);
        connections.add(connection);
        try {
            if (connection instanceof BlockingTcpConnection blocking) {
                Thread.ofVirtual().name("nodedns-tcp-conn").start(blocking::runBlocking);
                return;
            }
            // epoll reports the connection once its 2-byte length prefix is here, not at its first byte
            if (!StreamSockets.receiveLowWater(fd, 2, acceptScratch)
                    || !poller.watch((PolledTcpConnection) connection, fd, acceptScratch)) {
                connection.close();
            }
        } catch (RuntimeException | Error e) {
            connection.close(); // counted out of the open connections by closed(), once
        }
    }

    /** A pooled work for a connection that has a message to read; null when the pool is exhausted (counted as shed). */
    TcpWork takeWork() {
        TcpWork w = tryTakeWork();
        if (w == null) {
            countShed();
        }
        return w;
    }

    /** A pooled work, or null when the pool is exhausted (not counted: the caller may wait for one). */
    TcpWork tryTakeWork() {
        return pool.take();
    }

    /** A message was not read for want of work; its connection is closed. Counted for the listener it serves for now. */
    void countShed() {
        listener.countTcpShed();
    }

    void giveBack(TcpWork w) {
        pool.giveBack(w);
    }

    /** The deadline reaper (read, idle and write) (for tests: parked while there is no connection). */
    Thread reaperThread() {
        return connections.reaper();
    }

    /** Work objects the pool has made so far (at most {@link #MAX_BUSY}). */
    int workCreated() {
        return pool.created();
    }
}
