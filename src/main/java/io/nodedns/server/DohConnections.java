package io.nodedns.server;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.eclipse.jetty.http2.api.Session;
import org.eclipse.jetty.io.Connection;
import org.eclipse.jetty.io.EndPoint;
import org.eclipse.jetty.io.SocketChannelEndPoint;
import org.eclipse.jetty.io.ssl.SslConnection;

/**
 * The open connections of one DNS-over-HTTPS listener as members of a {@link ConnectionSet}, the
 * one cap DNS over TCP and DoT use: a connection accepted past {@link DohServer#MAX_CONNECTIONS}
 * takes the place of the one that has waited longest for a request, which is closed; one with a
 * request in flight (a forwarded miss, HTTP/2 streams) is never closed for another, and if all are
 * busy the new one is (busy ones are bounded by {@link TcpServer#MAX_BUSY} and {@code read}).
 * Jetty's timeouts restart with every byte: before the cap, 200 connections trickling a TLS
 * ClientHello a byte a second held the listener for as long as they went on
 * ({@code DohSlowClientsTest}).
 */
final class DohConnections implements Connection.Listener {
    private final int max;
    private final ConnectionSet<Socket> set = new ConnectionSet<>();
    /** By the socket's endpoint: on a wildcard listener one client address may be on two connections. */
    private final Map<EndPoint, Socket> open = new ConcurrentHashMap<>();

    /** One accepted socket, busy while any of its requests is in flight. */
    static final class Socket implements ConnectionSet.Member {
        private final EndPoint endPoint;
        /** Guarded by this: requests in flight, and when the last ended (or the accept), 0 while busy. */
        private int inFlight;
        private long waitingSince;
        /**
         * Its HTTP/2 session once it has carried a request, so its SETTINGS went out first (RFC 9113
         * 3.4): a GOAWAY before them ends the connection for some clients; null for HTTP/1.1.
         */
        private volatile Session http2;

        Socket(EndPoint endPoint, long now) {
            this.endPoint = endPoint;
            this.waitingSince = now;
        }

        /** A request of this connection begins. */
        synchronized void begin() {
            inFlight++;
            waitingSince = 0;
        }

        /** A request of this connection came on an HTTP/2 session. */
        void carries(Session session) {
            if (http2 == null) {
                http2 = session;
            }
        }

        /**
         * Sends its HTTP/2 session a GOAWAY (RFC 9113 6.8) if it has carried a request: Jetty
         * answers its streams and closes it. Again later does nothing.
         */
        void goAway() {
            Session s = http2;
            if (s != null) {
                s.shutdown();
            }
        }

        /** A request of this connection has completed (its reply sent or failed). */
        synchronized void end() {
            if (--inFlight == 0) {
                waitingSince = System.nanoTime();
            }
        }

        @Override
        public synchronized long waitingSince() {
            return waitingSince;
        }

        @Override
        public boolean evict() {
            synchronized (this) {
                if (inFlight != 0) {
                    return false;
                }
                inFlight = -1; // closed: a request racing in cannot make it busy again
                waitingSince = 0;
            }
            endPoint.close();
            return true;
        }

        /** Jetty's idle timeouts ({@code read}, then {@code idle}) close it; the set only caps. */
        @Override
        public void expireIfDue(long now) {}

        @Override
        public void close() {
            endPoint.close();
        }
    }

    /** Connections serving a request, or whose last request ended less than {@code withinNanos} before {@code now}. */
    int recentlyActive(long now, long withinNanos) {
        int[] n = {0};
        set.forEach(s -> {
            long since = s.waitingSince();
            if (since == 0 || now - since < withinNanos) {
                n[0]++;
            }
        });
        return n[0];
    }

    /** Sends each HTTP/2 connection that has carried a request a GOAWAY ({@link Socket#goAway}). */
    void goAway() {
        set.forEach(Socket::goAway);
    }

    DohConnections(int max) {
        this.max = max;
    }

    /** Selector thread only (one selector): the set's admission is single-threaded, as an acceptor's. */
    @Override
    public void onOpened(Connection connection) {
        EndPoint e = connection.getEndPoint();
        if (!(e instanceof SocketChannelEndPoint)) {
            return; // the TLS, ALPN and HTTP connections over one socket: that socket's is counted
        }
        if (!set.admit(max)) {
            e.close(); // every connection has a request in flight
            return;
        }
        Socket s = new Socket(e, System.nanoTime());
        set.add(s);
        open.put(e, s);
        if (!e.isOpen() && open.remove(e, s)) {
            set.remove(s); // closed before it was added: onClosed found nothing to remove
        }
    }

    @Override
    public void onClosed(Connection connection) {
        Socket s = open.remove(connection.getEndPoint());
        if (s != null) {
            set.remove(s);
        }
    }

    /**
     * The socket under a request's connection: its endpoint is the socket's for cleartext, the
     * decrypted one of TLS for HTTPS (HTTP/1.1 and HTTP/2 alike); null if it has closed.
     */
    Socket of(EndPoint e) {
        if (e instanceof SslConnection.SslEndPoint ssl) {
            e = ssl.getSslConnection().getEndPoint();
        }
        return open.get(e);
    }
}
