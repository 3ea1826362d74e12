package io.nodedns.server;

import java.io.IOException;

/**
 * A {@link StreamServer} on a listening socket of its own ({@link TcpServer}, {@link TlsServer};
 * {@link DohServer}'s is Jetty's): a {@link SocketAcceptor} bound to the listener's address with
 * its connection cap ({@code maxconnections}, 1024 by default).
 */
abstract class SocketStreamServer<C extends ConnectionSet.Member> extends SocketAcceptor<C> implements StreamServer {
    /** Read at each message, so the listener that takes this server over ({@link #servesFor}) serves what follows. */
    volatile Listener listener;
    /** Read at each deadline and admission, so a reload's new values apply in place ({@link #settings}). */
    volatile ListenerSettings settings;

    /** Binds the listener's address; {@code kind} ("tcp", "tls") names the threads and the error log. */
    SocketStreamServer(Listener listener, ListenerSettings settings, String kind) throws IOException {
        super(listener.address().socketAddress(), kind, listener.label());
        this.listener = listener;
        this.settings = settings;
    }

    @Override
    int maxConnections() {
        return settings.maxTcpConnections();
    }

    @Override
    public boolean liveSettings() {
        return true;
    }

    @Override
    public void settings(ListenerSettings next) {
        settings = next;
    }

    /**
     * Hands this bound server, with its accept queue and open connections, to {@code next}, a
     * listener of the same address that replaces the one it served ({@link Listener#takeTcpOver}):
     * messages read from now on go through {@code next}'s zone table and use its settings.
     */
    void servesFor(Listener next) {
        settings = next.settings();
        listener = next;
    }
}
