package io.nodedns.k8s.dns;

import io.nodedns.k8s.HostPorts;
import io.nodedns.k8s.Slice;
import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.util.Locale;

/** Endpoint hostnames and the dashed-IP forms of names (Kubernetes DNS spec, CoreDNS's rules). */
public final class Hostnames {
    private Hostnames() {}

    /**
     * The endpoint's name under its service: its {@code hostname}; else, with {@code podNames}, its
     * pod's name when shorter than 64; else the dashed IP. A dashed IPv6 label that would start or
     * end with '-' gets a '0' there (docs/decisions.md multicluster 9).
     */
    public static String of(Slice.Endpoint e, String address, boolean podNames) {
        if (e.hostname() != null && !e.hostname().isEmpty()) {
            return e.hostname().toLowerCase(Locale.ROOT);
        }
        if (podNames && e.podName() != null && !e.podName().isEmpty() && e.podName().length() < 64) {
            return e.podName().toLowerCase(Locale.ROOT);
        }
        return dashed(address);
    }

    public static String dashed(String address) {
        InetAddress ip = HostPorts.literal(address);
        String text = ip instanceof Inet6Address
                ? compact((Inet6Address) ip)
                : ip == null ? address : ip.getHostAddress();
        String d = text.replace(':', '-').replace('.', '-');
        if (d.endsWith("-")) {
            d = d + "0";
        }
        if (d.startsWith("-")) {
            d = "0" + d;
        }
        return d.toLowerCase(Locale.ROOT);
    }

    private static String compact(Inet6Address ip) {
        return io.nodedns.net.IpText.of(ip.getAddress());
    }

    /**
     * The IP a pod label names: 4 dash-separated parts is IPv4, anything else is IPv6 with dashes
     * for colons. Null if it is not an address.
     */
    public static InetAddress parseDashed(String label) {
        boolean v4 = label.split("-", -1).length == 4 && !label.contains("--");
        InetAddress ip = HostPorts.literal(v4 ? label.replace('-', '.') : label.replace('-', ':'));
        return ip != null && v4 == (ip instanceof Inet4Address) ? ip : null;
    }
}
