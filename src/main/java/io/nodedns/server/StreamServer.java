package io.nodedns.server;

/**
 * A listener's stream transport, as the {@link Listener} drives it: plain TCP beside the UDP loops
 * of a {@code dns://} address ({@link TcpServer}), or TLS for {@code tls://} and {@code https://}
 * ({@link TlsServer}).
 */
interface StreamServer {
    void start();

    /** True when the accepting thread has ended while this server should accept: health fails then. */
    boolean failed();

    int openConnections();

    /** Throwables caught by the acceptor. */
    long acceptErrors();

    /** Stops accepting connections; open ones are served until {@link #close}. */
    void stopAccepting();

    void close();
}
