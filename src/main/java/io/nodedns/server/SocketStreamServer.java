package io.nodedns.server;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.Collection;
import java.util.Set;

/**
 * A {@link StreamServer} on a listening socket of its own ({@link TcpServer}, {@link TlsServer};
 * {@link DohServer}'s is Jetty's): a {@link SocketAcceptor} bound to the listener's address with
 * its connection cap ({@code maxconnections}, 1024 by default). When a reload moves its listener
 * to another address, it stops accepting and its open connections go on ({@link #retire}).
 */
abstract class SocketStreamServer<C extends SocketStreamServer.Connection> extends SocketAcceptor<C>
        implements
            StreamServer {
    /** What a retired server asks of its connections besides {@link ConnectionSet.Member}. */
    interface Connection extends ConnectionSet.Member {
        /** The address the client connected to; null if unknown (closed). */
        InetSocketAddress localAddress();

        /**
         * Closes it now if it waits for a query, else once the queries it serves are answered; one
         * that has read none yet closes after its first reply, or at its read deadline.
         */
        void closeWhenIdle();
    }

    /** The address it is bound to, kept when a reload hands it to a listener of another address. */
    final ListenAddress boundTo;
    /** Once retired: the set of servers still draining that it leaves when it closes, else null. */
    private volatile Set<SocketStreamServer<?>> drainingIn;
    /** Set by {@link #retire} once its acceptor has ended: from then on it closes with its last connection. */
    private volatile boolean retired;
    /** Read at each message, so the listener that takes this server over ({@link #servesFor}) serves what follows. */
    volatile Listener listener;
    /** Read at each deadline and admission, so a reload's new values apply in place ({@link #settings}). */
    volatile ListenerSettings settings;

    /** Binds the listener's address; {@code kind} ("tcp", "tls") names the threads and the error log. */
    SocketStreamServer(Listener listener, ListenerSettings settings, String kind) throws IOException {
        super(listener.address().socketAddress(), kind, listener.label());
        this.listener = listener;
        this.settings = settings;
        this.boundTo = listener.address();
    }

    /**
     * Counted by the listener it serves for, not here: a server that a replacing listener takes
     * over ({@link Listener#takeTcpOver}) would otherwise be reported by both, and the prometheus
     * plugin adds a replaced listener's last values to its running total.
     */
    @Override
    void acceptFailed(Throwable t) {
        super.acceptFailed(t);
        listener.countAcceptError();
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

    /** At the swap of a reload that retired its listener: it joins {@code draining} until it closes. */
    void draining(Set<SocketStreamServer<?>> draining) {
        drainingIn = draining;
        draining.add(this);
    }

    /**
     * Once a reload retired the listener it was bound for (and the new listeners had some time to
     * take the connections the kernel queued for it): stops accepting, and closes each connection
     * once idle unless it connected to an address the listener it now serves for still serves
     * (one of {@code stopped} serves no address any more). It closes itself with its last connection.
     */
    void retire(Collection<Listener> stopped) {
        stopAcceptingQueued();
        awaitAcceptorExit();
        this.retired = true;
        Listener serving = listener;
        boolean moved = !stopped.contains(serving);
        connections.forEach(c -> {
            if (!moved || !serving.serves(c.localAddress())) {
                c.closeWhenIdle();
            }
        });
        closeIfDrained();
    }

    @Override
    void closed(C connection) {
        super.closed(connection);
        closeIfDrained();
    }

    private void closeIfDrained() {
        if (retired && connections.open() == 0) {
            close();
        }
    }

    @Override
    public void close() {
        super.close();
        Set<SocketStreamServer<?>> draining = drainingIn;
        if (draining != null) {
            draining.remove(this);
        }
    }
}
