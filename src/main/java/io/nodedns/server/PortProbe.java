package io.nodedns.server;

import io.nodedns.log.Log;
import java.io.IOException;
import java.net.BindException;
import java.net.Inet4Address;
import java.net.InetSocketAddress;
import java.net.StandardProtocolFamily;
import java.net.StandardSocketOptions;
import java.nio.channels.DatagramChannel;
import java.nio.channels.ServerSocketChannel;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Whether another socket already serves an address. Every nodedns listener binds with
 * SO_REUSEPORT (so HA pairs can share addresses), which also lets a second nodedns, or any server
 * binding the same way, start beside the first without an error: the kernel then spreads queries
 * and scrapes over both. A probe socket bound <em>without</em> SO_REUSEPORT fails with
 * EADDRINUSE exactly when some socket holds the address (a wildcard socket counts for every
 * address of its port), and is closed again at once.
 */
final class PortProbe {
    private PortProbe() {}

    /**
     * Refuses (or, with {@code share}, -ha, notes) each address {@code next} would newly bind that
     * another socket already serves: SO_REUSEPORT would otherwise let a second process share it
     * silently, each answering a share of the queries and scrapes. Ports this process already
     * holds ({@code held}, {@code http}) are skipped, since the other socket may be our own (a reload).
     */
    static void refuseServedElsewhere(Set<ListenAddress> held, Instance next, List<HttpRoute> routes,
            HttpEndpoints http,
            boolean share) throws IOException {
        Set<Integer> ours = new HashSet<>();
        for (ListenAddress a : held) {
            ours.add(a.port());
        }
        for (Instance.ListenerPlan plan : next.plans().values()) {
            ListenAddress a = plan.address();
            if (ours.contains(a.port())) {
                continue;
            }
            InetSocketAddress at = a.socketAddress();
            if (udpInUse(at, a.host().isEmpty())) {
                servedElsewhere(display(a) + " (DNS over UDP)", "server block " + Server.origin(plan), share);
            } else if (tcpInUse(at)) {
                servedElsewhere(display(a) + " (DNS over TCP)", "server block " + Server.origin(plan), share);
            }
        }
        Set<String> probed = new HashSet<>();
        for (HttpRoute route : routes) {
            String address = HttpEndpoints.normalize(route.address());
            if (http.port(address) >= 0 || !probed.add(address)) {
                continue;
            }
            InetSocketAddress at = HttpEndpoints.socketAddress(address);
            if (!ours.contains(at.getPort()) && tcpInUse(at)) {
                servedElsewhere("http " + address + route.path(), route.origin(), share);
            }
        }
    }

    private static void servedElsewhere(String what, String origin, boolean share) throws IOException {
        if (share) {
            Log.info("", what + " is also served by another socket; sharing it as asked (-ha):"
                    + " the kernel spreads queries over both");
            return;
        }
        throw new IOException(what + " is already served by another socket (another nodedns, or a DNS server"
                + " that also binds with SO_REUSEPORT); both would answer, each a share of the queries."
                + " Stop the other one or use another address or port; to share it on purpose"
                + " (an HA pair or a surge rollout) start every instance with -ha"
                + (origin == null ? "" : " (" + origin + ")"));
    }

    /** host:port as an operator writes it ({@code 127.0.0.1:53}, {@code [::1]:53}, {@code :53}). */
    static String display(ListenAddress a) {
        return a.host().indexOf(':') >= 0 ? "[" + a.host() + "]:" + a.port() : a.host() + ":" + a.port();
    }

    /** True if a UDP socket already holds {@code address}; same socket family rule as {@link UdpLoop}. */
    static boolean udpInUse(InetSocketAddress address, boolean wildcard) throws IOException {
        if (address.getPort() == 0) {
            return false;
        }
        try (DatagramChannel ch = address.getAddress() instanceof Inet4Address && !wildcard
                ? DatagramChannel.open(StandardProtocolFamily.INET)
                : DatagramChannel.open()) {
            ch.bind(address); // no SO_REUSEADDR: for UDP that alone would let two sockets share
            return false;
        } catch (BindException e) {
            return inUse(e);
        }
    }

    /**
     * True if a TCP socket listens on {@code address}. SO_REUSEADDR is set so that connections of
     * an earlier run still in TIME_WAIT do not count; a listening socket still does.
     */
    static boolean tcpInUse(InetSocketAddress address) throws IOException {
        if (address.getPort() == 0) {
            return false;
        }
        try (ServerSocketChannel ch = address.getAddress() instanceof Inet4Address
                ? ServerSocketChannel.open(StandardProtocolFamily.INET)
                : ServerSocketChannel.open()) {
            ch.setOption(StandardSocketOptions.SO_REUSEADDR, true);
            ch.bind(address);
            return false;
        } catch (BindException e) {
            return inUse(e);
        }
    }

    /**
     * EADDRINUSE only: any other bind error (an address on no interface, a privileged port) is not
     * another server, and the listener's own bind reports it with its Corefile line.
     */
    private static boolean inUse(BindException e) {
        return e.getMessage() != null && e.getMessage().contains("in use");
    }
}
