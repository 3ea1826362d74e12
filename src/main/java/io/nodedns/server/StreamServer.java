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

    /** The connections a retiring server still waits for before it closes (Retirement's drain); at {@code shutdown}, fewer may do. */
    default int drainingConnections(boolean shutdown) {
        return openConnections();
    }

    /** Stops accepting connections; open ones are served until {@link #close}. */
    void stopAccepting();

    void close();

    /** A reload's certificates for this listener: connections accepted from now on use them (plain TCP has none). */
    default void tls(io.nodedns.tls.ServerTls next) {}

    /** Its own series under the listener's {@code server} label (https:// reply statuses); plain TCP and DoT have none. */
    default void collect(MetricSource.Sink out, String server) {}

    /**
     * Whether this server reads its settings live, so a reload can hand it new {@code timeouts} and
     * {@code maxconnections} ({@link #settings}) instead of replacing it; Jetty's connector (DoH)
     * takes its timeouts when built.
     */
    default boolean liveSettings() {
        return false;
    }

    /** New settings, where {@link #liveSettings}: deadlines and admissions from now on use them, on open connections too. */
    default void settings(ListenerSettings next) {
        throw new UnsupportedOperationException(getClass().getSimpleName() + " takes its settings when built");
    }

    /** Whether a reload can hand this server {@code next} in place rather than needing a new listener. */
    default boolean takes(io.nodedns.tls.ServerTls next) {
        return true;
    }
}
