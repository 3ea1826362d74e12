package io.nodedns.server;

import io.nodedns.tls.ServerTls;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.channels.SocketChannel;

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
final class TlsServer extends SocketStreamServer<TlsConnection> {
    private volatile ServerTls tls;
    private final WorkPool pool = new WorkPool(TcpServer.MAX_BUSY);

    TlsServer(Listener listener, ListenerSettings settings, ServerTls tls) throws IOException {
        super(listener, settings, "tls");
        this.tls = tls;
    }

    /** A reload's new certificates: connections accepted from now on use them. */
    @Override
    public void tls(ServerTls next) {
        this.tls = next;
    }

    ServerTls tls() {
        return tls;
    }

    @Override
    void startConnection(SocketChannel socket) {
        TlsConnection c = new TlsConnection(this, socket.socket(), System.nanoTime());
        connections.add(c);
        Thread.ofVirtual().name("nodedns-tls-conn").start(c);
    }

    /** One query of a connection through the listener's chain: {@link WorkPool#answer}. */
    byte[] answer(byte[] query, int n, InetSocketAddress remote) throws IOException {
        return pool.answer(listener, remote, query, n);
    }
}
