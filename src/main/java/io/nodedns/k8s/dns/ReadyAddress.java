package io.nodedns.k8s.dns;

import io.nodedns.k8s.HostPorts;
import io.nodedns.k8s.Slice;
import java.net.InetAddress;
import java.util.ArrayList;
import java.util.List;

/**
 * An IP address of a ready endpoint, with the slice and endpoint it is in: what a headless service's
 * names answer (only ready endpoints get records, per the Kubernetes and MCS DNS specs).
 */
public record ReadyAddress(Slice slice, Slice.Endpoint endpoint, String address, InetAddress ip) {
    /** The ready endpoints' addresses of the slices, in order; an address that is not an IP is left out. */
    public static List<ReadyAddress> of(List<Slice> slices) {
        List<ReadyAddress> out = new ArrayList<>();
        for (Slice s : slices) {
            for (Slice.Endpoint e : s.endpoints()) {
                if (!e.isReady()) {
                    continue;
                }
                for (String address : e.addresses()) {
                    InetAddress ip = HostPorts.literal(address);
                    if (ip != null) {
                        out.add(new ReadyAddress(s, e, address, ip));
                    }
                }
            }
        }
        return out;
    }

    /** The endpoint's name under its service ({@link Hostnames#of}). */
    public String hostname(boolean podNames) {
        return Hostnames.of(endpoint, address, podNames);
    }
}
