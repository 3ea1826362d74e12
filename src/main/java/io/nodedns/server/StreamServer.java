package io.nodedns.server;

/**
 * A listener's stream transport, as the {@link Listener} drives it: plain TCP beside the UDP loops
 * of a {@code dns://} address ({@link TcpServer}), DNS over TLS for {@code tls://} ({@link TlsServer}),
 * or DNS over HTTPS for {@code https://} ({@link DohServer}).
 */
interface StreamServer {
    /** Binds (where the constructor did not) and starts accepting. */
    void start() throws java.io.IOException;

    /** True when the accepting thread has ended while this server should accept: health fails then. */
    boolean failed();

    int openConnections();

    /** Throwables caught by the acceptor. */
    long acceptErrors();

    /** Stops accepting connections; open ones are served until {@link #close}. */
    void stopAccepting();

    void close();

    /** A reload's certificates for this listener: connections accepted from now on use them (plain TCP has none). */
    default void tls(io.nodedns.tls.ServerTls next) {}

    /** Its own series under the listener's {@code server} label (https:// reply statuses); plain TCP and DoT have none. */
    default void collect(MetricSource.Sink out, String server) {}

    /** Whether a reload can hand this server {@code next} in place rather than needing a new listener. */
    default boolean takes(io.nodedns.tls.ServerTls next) {
        return true;
    }
}
