package io.nodedns.server;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.channels.SocketChannel;
import java.util.Map;
import java.util.function.UnaryOperator;

/**
 * One address of the health, ready, metrics and pprof routes: a small HTTP/1.1 server (GET and
 * HEAD, keep-alive) bounded like DNS over TCP. At most {@link Limits#maxConnections} connections;
 * at the cap a new connection takes the place of the one that has waited longest without a
 * complete request or for a write its client does not read ({@link ConnectionSet}), and only when
 * every connection is being answered for a second is the new one closed: a client holding every connection can
 * no longer make the kubelet's probe fail. A request's headers must arrive within the header
 * timeout of the accept or of the last reply and fit in the header limit. Each limit can be set
 * with {@code -D} (in NODEDNS_JAVA_OPTS); docs/operations.md, "HTTP listeners".
 */
final class HttpListener extends SocketAcceptor<HttpConnection> {
    /**
     * The kernel send buffer of each connection (Linux doubles it: 64 KiB). Loopback's autotuning
     * grows it to 4 MiB, thousands of pipelined replies a client need not read before a write
     * blocks (and the connection becomes evictable); a scrape larger than this is written as the
     * client reads it, within the write deadline.
     */
    static final int SEND_BUFFER = 32 * 1024;

    /** The listeners' limits, set with -D; read once, at the start of the process (HttpEndpoints). */
    record Limits(int maxConnections, long headerTimeoutNanos, int maxHeaderBytes) {
        static final Limits DEFAULT = new Limits(128, 10_000_000_000L, 8192);

        /** Reads them from {@code property} (System::getProperty); a bad value throws IllegalArgumentException naming it. */
        static Limits read(UnaryOperator<String> property) {
            return new Limits(setting(property, "nodedns.http.maxConnections", DEFAULT.maxConnections),
                    setting(property, "nodedns.http.headerTimeout", 10) * 1_000_000_000L,
                    setting(property, "nodedns.http.maxHeaderBytes", DEFAULT.maxHeaderBytes));
        }

        /** A positive integer, or {@code fallback} when unset. */
        private static int setting(UnaryOperator<String> property, String name, int fallback) {
            String value = property.apply(name);
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

    final long headerTimeoutNanos;
    final int maxHeaderBytes;
    private final int maxConnections;
    /** Path to handler; a reload swaps the whole table. */
    volatile Map<String, HttpHandler> routes = Map.of();

    HttpListener(InetSocketAddress bindTo, String address, Limits limits) throws IOException {
        super(bindTo, "http", address);
        this.maxConnections = limits.maxConnections();
        this.headerTimeoutNanos = limits.headerTimeoutNanos();
        this.maxHeaderBytes = limits.maxHeaderBytes();
    }

    @Override
    int maxConnections() {
        return maxConnections;
    }

    @Override
    void startConnection(SocketChannel socket) throws IOException {
        socket.setOption(StandardSocketOptions.SO_SNDBUF, SEND_BUFFER);
        HttpConnection connection = new HttpConnection(this, socket, System.nanoTime());
        connections.add(connection);
        try {
            Thread.ofVirtual().name("nodedns-http-conn").start(connection::run);
        } catch (RuntimeException | Error e) {
            connection.close(); // counted out of the open connections by closed(), once
        }
    }
}
