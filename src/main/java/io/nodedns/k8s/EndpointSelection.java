package io.nodedns.k8s;

import io.kubernetes.client.openapi.models.DiscoveryV1EndpointPort;
import io.kubernetes.client.openapi.models.V1Endpoint;
import io.kubernetes.client.openapi.models.V1EndpointConditions;
import io.kubernetes.client.openapi.models.V1EndpointSlice;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * Which endpoints of a Service's EndpointSlices receive traffic (decisions.md, kubeforward):
 * endpoints with {@code ready} true (unset counts as ready); if there are none, those with
 * {@code serving} true. Slices of addressType IPv4 and IPv6 count (FQDN and unknown types are
 * ignored), each address must be a literal of its slice's family. The port is the slice port named
 * {@code portName}; without a name, the single port of a slice that has exactly one.
 */
public final class EndpointSelection {
    private EndpointSelection() {}

    /** The upstream addresses, deduplicated and sorted (IPv4 before IPv6, then by address and port). */
    public static List<InetSocketAddress> select(List<V1EndpointSlice> slices, String portName) {
        List<InetSocketAddress> ready = new ArrayList<>();
        List<InetSocketAddress> serving = new ArrayList<>();
        for (V1EndpointSlice s : slices) {
            String type = s.getAddressType();
            boolean v6;
            if ("IPv4".equals(type)) {
                v6 = false;
            } else if ("IPv6".equals(type)) {
                v6 = true;
            } else {
                continue;
            }
            int port = port(s.getPorts(), portName);
            if (port <= 0 || s.getEndpoints() == null) {
                continue;
            }
            for (V1Endpoint e : s.getEndpoints()) {
                V1EndpointConditions c = e.getConditions();
                boolean isReady = c == null || c.getReady() == null || c.getReady();
                boolean isServing = c != null && Boolean.TRUE.equals(c.getServing());
                if (!isReady && !isServing || e.getAddresses() == null) {
                    continue;
                }
                for (String text : e.getAddresses()) {
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
    static int port(List<DiscoveryV1EndpointPort> ports, String portName) {
        if (ports == null || ports.isEmpty()) {
            return 0;
        }
        if (portName == null) {
            if (ports.size() != 1 || ports.getFirst().getPort() == null) {
                return 0;
            }
            return ports.getFirst().getPort();
        }
        for (DiscoveryV1EndpointPort p : ports) {
            if (portName.equals(p.getName()) && p.getPort() != null) {
                return p.getPort();
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
