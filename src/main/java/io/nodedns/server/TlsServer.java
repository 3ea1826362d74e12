package io.nodedns.server;

import io.nodedns.tls.ServerTls;
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
 * DNS over TLS (RFC 7858, {@code tls://} blocks) or DNS over HTTPS (RFC 8484, {@code https://}
 * blocks) for one listener, as CoreDNS core/dnsserver serves them: the TLS of the block's
 * {@code tls} directive, or cleartext without one (CoreDNS: "if the tls plugin is omitted, then no
 * encryption takes place"). Each connection is a virtual thread doing blocking reads (TLS keeps
 * decrypted bytes of its own, so the epoll path of plain TCP cannot see whether a query is
 * whole). Bounded like {@link TcpServer}: at most {@code maxconnections} (tls) or 200 (https,
 * CoreDNS's DefaultHTTPSMaxConnections) open, the longest-waiting evicted for a new one; the
 * handshake and first query within {@code read}, each later one within {@code idle}, each reply
 * within {@code write}; at most {@link TcpServer#MAX_BUSY} queries of the listener served at once.
 */
final class TlsServer {
    /** CoreDNS core/dnsserver DefaultHTTPSMaxConnections. */
    static final int HTTPS_MAX_CONNECTIONS = 200;

    private final Listener listener;
    private final ListenerSettings settings;
    private final boolean https;
    private final int maxConnections;
    private final ServerSocket server;
    private volatile ServerTls tls;
    private final Set<TlsConnection> connections = ConcurrentHashMap.newKeySet();
    private final AtomicInteger open = new AtomicInteger();
    private final TcpWork[] pool = new TcpWork[TcpServer.MAX_BUSY];
    private int pooled;
    private int created;
    private final LongAdder refused = new LongAdder();
    private final LongAdder evicted = new LongAdder();
    private final LongAdder timeouts = new LongAdder();
    private final LongAdder handshakeFailures = new LongAdder();
    private final LoopErrors errors;
    private volatile boolean accepting = true;
    private Thread acceptor;
    private Thread reaper;

    TlsServer(Listener listener, ListenerSettings settings, ServerTls tls, boolean https) throws IOException {
        this.listener = listener;
        this.settings = settings;
        this.tls = tls;
        this.https = https;
        this.maxConnections = https ? HTTPS_MAX_CONNECTIONS : settings.maxTcpConnections();
        InetSocketAddress bindTo = listener.address().socketAddress();
        ServerSocket socket = new ServerSocket();
        try {
            socket.setReuseAddress(true);
            socket.setOption(StandardSocketOptions.SO_REUSEPORT, true); // reloads and HA pairs, as plain TCP
            socket.bind(bindTo, 1024);
        } catch (IOException | RuntimeException e) {
            socket.close();
            throw e;
        }
        this.server = socket;
        this.errors = new LoopErrors((https ? "https" : "tls") + " acceptor of " + listener.label());
    }

    void start() {
        reaper = Thread.ofVirtual().name("nodedns-tls-deadlines").start(this::reapExpired);
        acceptor = Thread.ofVirtual().name("nodedns-tls-accept-" + listener.label()).start(this::acceptLoop);
    }

    /** A reload's new certificates: connections accepted from now on use them. */
    void tls(ServerTls next) {
        this.tls = next;
    }

    ServerTls tls() {
        return tls;
    }

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
            if (open.get() >= maxConnections && !evictLongestWaiting()) {
                refused.increment();
                TcpServer.closeQuietly(socket);
                continue;
            }
            open.incrementAndGet();
            try {
                socket.setTcpNoDelay(true);
                TlsConnection c = new TlsConnection(this, socket, System.nanoTime());
                connections.add(c);
                LockSupport.unpark(reaper);
                Thread.ofVirtual().name(https ? "nodedns-https-conn" : "nodedns-tls-conn").start(c);
            } catch (Throwable t) {
                open.decrementAndGet();
                TcpServer.closeQuietly(socket);
                if (!(t instanceof IOException)) {
                    errors.caught(t);
                }
            }
        }
    }

    /** Closes connections past their deadline four times a second; parks while there is none. */
    private void reapExpired() {
        while (accepting) {
            if (connections.isEmpty()) {
                LockSupport.park(this);
                continue;
            }
            try {
                Thread.sleep(250);
            } catch (InterruptedException e) {
                return;
            }
            long now = System.nanoTime();
            for (TlsConnection c : connections) {
                if (c.expireIfDue(now)) {
                    timeouts.increment();
                }
            }
        }
    }

    private boolean evictLongestWaiting() {
        TlsConnection victim = null;
        long oldest = Long.MAX_VALUE;
        for (TlsConnection c : connections) {
            long since = c.waitingSince();
            if (since != 0 && since < oldest) {
                oldest = since;
                victim = c;
            }
        }
        if (victim == null || !victim.evict()) {
            return false;
        }
        evicted.increment();
        return true;
    }

    /** A work for one query, or null when {@link TcpServer#MAX_BUSY} are in use (the connection is then closed). */
    synchronized TcpWork takeWork() {
        if (pooled > 0) {
            TcpWork w = pool[--pooled];
            pool[pooled] = null;
            return w;
        }
        if (created < TcpServer.MAX_BUSY) {
            created++;
            return new TcpWork();
        }
        return null;
    }

    synchronized void giveBack(TcpWork w) {
        pool[pooled++] = w;
    }

    void closed(TlsConnection c) {
        if (connections.remove(c)) {
            open.decrementAndGet();
        }
    }

    void countHandshakeFailure() {
        handshakeFailures.increment();
    }

    Listener listener() {
        return listener;
    }

    ListenerSettings settings() {
        return settings;
    }

    boolean https() {
        return https;
    }

    boolean failed() {
        Thread a = acceptor;
        return accepting && a != null && !a.isAlive();
    }

    int openConnections() {
        return open.get();
    }

    long acceptErrors() {
        return errors.count();
    }

    long refusedConnections() {
        return refused.sum();
    }

    long evictedConnections() {
        return evicted.sum();
    }

    /** Connections closed past their read, idle or write deadline. */
    long timeouts() {
        return timeouts.sum();
    }

    long handshakeFailures() {
        return handshakeFailures.sum();
    }

    void stopAccepting() {
        accepting = false;
        TcpServer.closeQuietly(server);
    }

    void close() {
        stopAccepting();
        for (TlsConnection c : connections) {
            c.close();
        }
        if (acceptor != null) {
            acceptor.interrupt();
        }
        if (reaper != null) {
            reaper.interrupt();
        }
    }
}
