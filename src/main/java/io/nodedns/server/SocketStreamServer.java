package io.nodedns.server;

import java.io.IOException;

/**
 * A {@link StreamServer} on a listening socket of its own ({@link TcpServer}, {@link TlsServer};
 * {@link DohServer}'s is Jetty's): a {@link SocketAcceptor} bound to the listener's address with
 * its connection cap ({@code maxconnections}, 1024 by default).
 */
abstract class SocketStreamServer<C extends ConnectionSet.Member> extends SocketAcceptor<C> implements StreamServer {
    final Listener listener;
    final ListenerSettings settings;

    /** Binds the listener's address; {@code kind} ("tcp", "tls") names the threads and the error log. */
    SocketStreamServer(Listener listener, ListenerSettings settings, String kind) throws IOException {
        super(listener.address().socketAddress(), 1024, kind, listener.label(), settings.maxTcpConnections());
        this.listener = listener;
        this.settings = settings;
    }
}
