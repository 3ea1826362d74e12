package io.nodedns.k8s;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * Which endpoints of a Service's EndpointSlices receive traffic (docs/decisions.md, kubeforward):
 * endpoints with {@code ready} true (unset counts as ready); if there are none, those with
 * {@code serving} true. Slices of addressType IPv4 and IPv6 count (FQDN and unknown types are
 * ignored), each address must be a literal of its slice's family. The port is the slice port named
 * {@code portName}; without a name, the single port of a slice that has exactly one.
 */
public final class EndpointSelection {
    private EndpointSelection() {}

    /** The upstream addresses, deduplicated and sorted (IPv4 before IPv6, then by address and port). */
    public static List<InetSocketAddress> select(java.util.Collection<Slice> slices, String portName) {
        List<InetSocketAddress> ready = new ArrayList<>();
        List<InetSocketAddress> serving = new ArrayList<>();
        for (Slice s : slices) {
            String type = s.addressType();
            boolean v6;
            if ("IPv4".equals(type)) {
                v6 = false;
            } else if ("IPv6".equals(type)) {
                v6 = true;
            } else {
                continue;
            }
            int port = port(s.ports(), portName);
            if (port <= 0) {
                continue;
            }
            for (Slice.Endpoint e : s.endpoints()) {
                boolean isReady = e.isReady();
                boolean isServing = Boolean.TRUE.equals(e.serving());
                if (!isReady && !isServing) {
                    continue;
                }
                for (String text : e.addresses()) {
                    InetAddress ip = text == null ? null : HostPorts.literal(text);
                    if (ip == null || (ip instanceof java.net.Inet6Address) != v6) {
                        continue;
                    }
                    (isReady ? ready : serving).add(new InetSocketAddress(ip, port));
                }
            }
        }
        return sorted(ready.isEmpty() ? serving : ready);
    }

    /** The port number to use in one slice, or 0 if it has none that fits. */
    static int port(List<Slice.Port> ports, String portName) {
        if (ports.isEmpty()) {
            return 0;
        }
        if (portName == null) {
            if (ports.size() != 1 || ports.getFirst().port() == null) {
                return 0;
            }
            return ports.getFirst().port();
        }
        for (Slice.Port p : ports) {
            if (portName.equals(p.name()) && p.port() != null) {
                return p.port();
            }
        }
        return 0;
    }

    /** Deduplicated, in a stable order so unchanged endpoints give an equal list. */
    public static List<InetSocketAddress> sorted(List<InetSocketAddress> in) {
        Set<InetSocketAddress> unique = new LinkedHashSet<>(in);
        List<InetSocketAddress> out = new ArrayList<>(unique);
        out.sort(Comparator.comparingInt((InetSocketAddress a) -> a.getAddress().getAddress().length)
                .thenComparing(a -> a.getAddress().getAddress(), java.util.Arrays::compareUnsigned)
                .thenComparingInt(InetSocketAddress::getPort));
        return List.copyOf(out);
    }
}
