package io.nodedns.server;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.StandardSocketOptions;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.LockSupport;

/**
 * DNS over TCP for one listener: an accepting virtual thread and a virtual thread per connection.
 * Connections past {@link ListenerSettings#maxTcpConnections()} are closed at once (refused, never
 * queued), so a flood of idle sockets cannot starve real clients for longer than the read timeout.
 */
final class TcpServer {
    private final Listener listener;
    private final ListenerSettings settings;
    private final ServerSocket server;
    private final AtomicInteger open = new AtomicInteger();
    private final Set<TcpConnection> connections = ConcurrentHashMap.newKeySet();
    private final LongAdder refused = new LongAdder();
    private final LongAdder evicted = new LongAdder();
    private volatile boolean accepting = true;
    private Thread acceptor;
    private Thread reaper;
    private final LoopErrors errors;

    TcpServer(Listener listener, ListenerSettings settings) throws IOException {
        this.listener = listener;
        this.settings = settings;
        InetSocketAddress bindTo = listener.address().socketAddress();
        ServerSocket socket = new ServerSocket();
        try {
            socket.setReuseAddress(true);
            socket.setOption(StandardSocketOptions.SO_REUSEPORT, true);
            socket.bind(bindTo, 1024);
        } catch (IOException | RuntimeException e) {
            socket.close();
            throw e;
        }
        this.server = socket;
        this.errors = new LoopErrors("tcp acceptor of " + listener.label());
    }

    /** True when the accepting thread has ended while this server should accept: health fails then. */
    boolean failed() {
        Thread a = acceptor;
        return accepting && a != null && !a.isAlive();
    }

    void start() {
        reaper = Thread.ofVirtual().name("nodedns-tcp-write-timeout").start(this::reapStuckWriters);
        acceptor = Thread.ofVirtual().name("nodedns-tcp-accept-" + listener.label()).start(this::acceptLoop);
    }

    /**
     * Blocking socket writes have no timeout of their own: close connections whose write is stuck.
     * Parks while there is no connection, so a UDP-only node pays no wake-ups for it (each wake-up
     * of a virtual thread preempts the UDP loop on its CPU).
     */
    private void reapStuckWriters() {
        while (accepting) {
            if (connections.isEmpty()) {
                LockSupport.park(this); // the acceptor unparks us after adding one; close() interrupts
                continue;
            }
            try {
                Thread.sleep(250);
            } catch (InterruptedException e) {
                return;
            }
            long now = System.nanoTime();
            for (TcpConnection c : connections) {
                c.closeIfWriteStuck(now);
            }
        }
    }

    /** Accepts until stopped; a failure to serve one connection (even a failed allocation) never ends it. */
    private void acceptLoop() {
        while (accepting) {
            Socket socket;
            try {
                socket = server.accept();
            } catch (IOException e) {
                if (!accepting || server.isClosed()) {
                    return;
                }
                continue;
            } catch (Throwable t) {
                errors.caught(t);
                continue;
            }
            try {
                admit(socket);
            } catch (Throwable t) {
                errors.caught(t);
                closeQuietly(socket);
            }
        }
    }

    private void admit(Socket socket) {
        // only this thread adds connections, so the count cannot rise between check and add
        if (open.get() >= settings.maxTcpConnections() && !evictLongestWaiting()) {
            refused.increment();
            closeQuietly(socket);
            return;
        }
        TcpConnection connection = new TcpConnection(listener, settings, socket, this);
        open.incrementAndGet();
        connections.add(connection);
        try {
            LockSupport.unpark(reaper);
            Thread.ofVirtual().name("nodedns-tcp-conn").start(connection);
        } catch (Throwable t) {
            closed(connection);
            throw t;
        }
    }

    /** Test hook: closes the listening socket as if it failed, so the acceptor ends while it should accept. */
    void abandonAcceptorForTest() {
        closeQuietly(server);
    }

    /** Throwables caught by the acceptor. */
    long acceptErrors() {
        return errors.count();
    }

    /**
     * At the cap, a new connection takes the place of the one that has waited longest for a query's
     * bytes (slowloris-style connections that trickle or sit idle), so they cannot keep clients
     * that send their query at once from being served. Connections serving a query are never
     * evicted; if all are busy, the new one is refused.
     */
    private boolean evictLongestWaiting() {
        TcpConnection victim = null;
        long oldest = Long.MAX_VALUE;
        for (TcpConnection c : connections) {
            long since = c.waitingSince();
            if (since != 0 && since < oldest) {
                oldest = since;
                victim = c;
            }
        }
        if (victim == null || !connections.remove(victim)) {
            return false;
        }
        open.decrementAndGet();
        evicted.increment();
        victim.evict();
        return true;
    }

    void closed(TcpConnection connection) {
        if (connections.remove(connection)) {
            open.decrementAndGet();
        }
    }

    /** The write-timeout reaper (for tests: parked while there is no connection). */
    Thread reaperThread() {
        return reaper;
    }

    int openConnections() {
        return open.get();
    }

    long evictedConnections() {
        return evicted.sum();
    }

    long refusedConnections() {
        return refused.sum();
    }

    void stopAccepting() {
        accepting = false;
        closeQuietly(server);
    }

    void close() {
        stopAccepting();
        for (TcpConnection connection : connections) {
            connection.close();
        }
        if (acceptor != null) {
            acceptor.interrupt();
        }
        if (reaper != null) {
            reaper.interrupt();
        }
    }

    static void closeQuietly(java.io.Closeable c) {
        try {
            c.close();
        } catch (IOException ignored) {
            // closing: nothing to report
        }
    }
}
