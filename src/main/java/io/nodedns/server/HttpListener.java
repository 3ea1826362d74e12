package io.nodedns.server;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.channels.SocketChannel;
import java.util.Map;

/**
 * One address of the health, ready, metrics and pprof routes: a small HTTP/1.1 server (GET and
 * HEAD, keep-alive) bounded like DNS over TCP. At most {@link #MAX_CONNECTIONS} connections; at
 * the cap a new connection takes the place of the one that has waited longest without a complete
 * request ({@link ConnectionSet}), and only when every connection is being answered is the new
 * one closed: a client holding every connection can no longer make the kubelet's probe fail. A
 * request's headers must arrive within {@link #HEADER_TIMEOUT_SECONDS} of the accept or of the
 * last reply and fit in {@link #MAX_HEADER_BYTES}. Each limit can be set with {@code -D} (in
 * NODEDNS_JAVA_OPTS); docs/operations.md, "HTTP listeners".
 */
final class HttpListener extends SocketAcceptor<HttpConnection> {
    static final int MAX_CONNECTIONS = setting("nodedns.http.maxConnections", 128);
    static final int HEADER_TIMEOUT_SECONDS = setting("nodedns.http.headerTimeout", 10);
    static final int MAX_HEADER_BYTES = setting("nodedns.http.maxHeaderBytes", 8192);

    final long headerTimeoutNanos = HEADER_TIMEOUT_SECONDS * 1_000_000_000L;
    final int maxHeaderBytes = MAX_HEADER_BYTES;
    /** Path to handler; a reload swaps the whole table. */
    volatile Map<String, HttpHandler> routes = Map.of();

    HttpListener(InetSocketAddress bindTo, String address) throws IOException {
        super(bindTo, 64, "http", address);
    }

    @Override
    int maxConnections() {
        return MAX_CONNECTIONS;
    }

    @Override
    void startConnection(SocketChannel socket) {
        HttpConnection connection = new HttpConnection(this, socket, System.nanoTime());
        connections.add(connection);
        try {
            Thread.ofVirtual().name("nodedns-http-conn").start(connection::run);
        } catch (RuntimeException | Error e) {
            connection.close(); // counted out of the open connections by closed(), once
        }
    }

    /** A positive integer system property, or {@code fallback} when unset; anything else stops the start. */
    static int setting(String name, int fallback) {
        String value = System.getProperty(name);
        if (value == null) {
            return fallback;
        }
        try {
            int n = Integer.parseInt(value.trim());
            if (n > 0) {
                return n;
            }
        } catch (NumberFormatException e) {
            // said below
        }
        throw new IllegalArgumentException("-D" + name + " must be a positive integer, got '" + value + "'");
    }
}
