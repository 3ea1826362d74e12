package io.nodedns.server;

import java.net.SocketAddress;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.eclipse.jetty.io.Connection;
import org.eclipse.jetty.io.EndPoint;
import org.eclipse.jetty.io.SocketChannelEndPoint;

/**
 * The open connections of one DNS-over-HTTPS listener and when each last began a request. A
 * connection accepted past {@link DohServer#MAX_CONNECTIONS} (Jetty accepts one more) takes the
 * place of the one that has waited longest for a request, which is closed, as DNS over TCP does at
 * its maximum ({@link SocketStreamServer}). Jetty's timeouts restart with every byte: before, 200
 * connections trickling a TLS ClientHello or request headers a byte a second held the listener
 * for as long as they went on, and no other client's connection was accepted
 * ({@code DohSlowClientsTest}). A client that sends its request at once is never the one that
 * waited longest while new connections keep coming.
 */
final class DohConnections implements Connection.Listener {
    private final int max;
    /** By the client's address: what a request knows of its connection under TLS and HTTP/2 layers. */
    private final Map<SocketAddress, Open> open = new ConcurrentHashMap<>();
    /** The address each was opened with: a closed socket's address reads as null. */
    private final Map<EndPoint, SocketAddress> addresses = new ConcurrentHashMap<>();

    private static final class Open {
        final EndPoint endPoint;
        /** System.nanoTime() of the accept or of the last request's start. */
        volatile long since;

        Open(EndPoint endPoint, long since) {
            this.endPoint = endPoint;
            this.since = since;
        }
    }

    DohConnections(int max) {
        this.max = max;
    }

    @Override
    public void onOpened(Connection connection) {
        EndPoint e = connection.getEndPoint();
        if (!(e instanceof SocketChannelEndPoint)) {
            return; // the TLS, ALPN and HTTP connections over one socket: that socket's is counted
        }
        SocketAddress client = e.getRemoteSocketAddress();
        if (client == null) {
            return; // closed already
        }
        addresses.put(e, client);
        open.put(client, new Open(e, System.nanoTime()));
        if (open.size() > max) {
            closeLongestWaiting(e);
        }
    }

    @Override
    public void onClosed(Connection connection) {
        EndPoint e = connection.getEndPoint();
        SocketAddress client = addresses.remove(e);
        if (client != null) {
            open.computeIfPresent(client, (address, o) -> o.endPoint == e ? null : o);
        }
    }

    /** A request of the connection from {@code client} begins. */
    void requested(SocketAddress client) {
        Open o = open.get(client);
        if (o != null) {
            o.since = System.nanoTime();
        }
    }

    private void closeLongestWaiting(EndPoint opened) {
        Open oldest = null;
        for (Open o : open.values()) {
            if (o.endPoint != opened && (oldest == null || o.since - oldest.since < 0)) {
                oldest = o;
            }
        }
        if (oldest != null) {
            oldest.endPoint.close();
        }
    }
}
