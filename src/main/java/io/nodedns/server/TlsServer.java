package io.nodedns.server;

import io.nodedns.tls.ServerTls;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.StandardSocketOptions;

/**
 * DNS over TLS (RFC 7858, {@code tls://} blocks) for one listener, as CoreDNS core/dnsserver
 * serves it: the TLS of the block's {@code tls} directive, or cleartext without one (CoreDNS: "if
 * the tls plugin is omitted, then no encryption takes place"). Each connection is a virtual thread
 * doing blocking reads (TLS keeps decrypted bytes of its own, so the epoll path of plain TCP cannot
 * see whether a query is whole). Bounded like {@link TcpServer}: at most {@code maxconnections}
 * open, the longest-waiting evicted for a new one; the handshake and first query within
 * {@code read}, each later one within {@code idle}, each reply within {@code write}; at most
 * {@link TcpServer#MAX_BUSY} queries of the listener served at once. {@code https://} blocks are
 * {@link DohServer}'s.
 */
final class TlsServer implements StreamServer {
    private final Listener listener;
    private final ListenerSettings settings;
    private final int maxConnections;
    private final ServerSocket server;
    private volatile ServerTls tls;
    private final ConnectionSet<TlsConnection> connections = new ConnectionSet<>();
    private final WorkPool pool = new WorkPool(TcpServer.MAX_BUSY);
    private final LoopErrors errors;
    private volatile boolean accepting = true;
    private Thread acceptor;

    TlsServer(Listener listener, ListenerSettings settings, ServerTls tls) throws IOException {
        this.listener = listener;
        this.settings = settings;
        this.tls = tls;
        this.maxConnections = settings.maxTcpConnections();
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
        this.errors = new LoopErrors("tls acceptor of " + listener.label());
    }

    @Override
    public void start() {
        connections.startReaper("nodedns-tls-deadlines");
        acceptor = Thread.ofVirtual().name("nodedns-tls-accept-" + listener.label()).start(this::acceptLoop);
    }

    /** A reload's new certificates: connections accepted from now on use them. */
    @Override
    public void tls(ServerTls next) {
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
            if (!connections.admit(maxConnections)) {
                TcpServer.closeQuietly(socket);
                continue;
            }
            try {
                socket.setTcpNoDelay(true);
                TlsConnection c = new TlsConnection(this, socket, System.nanoTime());
                connections.add(c);
                Thread.ofVirtual().name("nodedns-tls-conn").start(c);
            } catch (Throwable t) {
                connections.unadmit();
                TcpServer.closeQuietly(socket);
                if (!(t instanceof IOException)) {
                    errors.caught(t);
                }
            }
        }
    }

    /** One query of a connection through the listener's chain: {@link WorkPool#answer}. */
    byte[] answer(byte[] query, int n, InetSocketAddress remote) throws IOException {
        return pool.answer(listener, remote, query, n);
    }

    void closed(TlsConnection c) {
        connections.remove(c);
    }

    ListenerSettings settings() {
        return settings;
    }

    @Override
    public boolean failed() {
        Thread a = acceptor;
        return accepting && a != null && !a.isAlive();
    }

    @Override
    public int openConnections() {
        return connections.open();
    }

    @Override
    public long acceptErrors() {
        return errors.count();
    }

    @Override
    public void stopAccepting() {
        accepting = false;
        TcpServer.closeQuietly(server);
    }

    @Override
    public void close() {
        stopAccepting();
        connections.stop();
        for (TlsConnection c : connections.members()) {
            c.close();
        }
        if (acceptor != null) {
            acceptor.interrupt();
        }
    }
}
