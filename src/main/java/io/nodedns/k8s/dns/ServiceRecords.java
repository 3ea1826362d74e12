package io.nodedns.k8s.dns;

import io.nodedns.k8s.HostPorts;
import io.nodedns.k8s.Slice;
import java.net.InetAddress;
import java.util.List;
import org.xbill.DNS.Name;

/**
 * The records of a service name in both zones: a virtual-IP service (ClusterIP, ClusterSetIP)
 * answers its IPs and SRV to itself; a headless one answers its ready endpoints and SRV to each
 * endpoint's own name. {@code port}/{@code proto} null means the plain name (every port); otherwise
 * the {@code _port._proto} form, where an empty label matches anything.
 */
public final class ServiceRecords {
    /** How an endpoint's SRV target is named below the zone, e.g. "web-0.db.prod.svc". */
    @FunctionalInterface
    public interface Target {
        String below(ReadyAddress endpoint);
    }

    private ServiceRecords() {}

    /**
     * A virtual IP service; NONE when a port was asked and none matches. An entry of {@code ips} that
     * is a hostname (a load balancer known by name, for k8s_external) is a CNAME target and its own
     * SRV target, without glue; only the first becomes the name's CNAME.
     */
    public static NameRecords virtualIp(Query q, Name self, List<Slice.Port> ports, List<String> ips, String port,
            String proto) {
        NameRecords r = NameRecords.existing();
        boolean matched = port == null;
        for (Slice.Port p : ports) {
            if (port != null && !matches(p, port, proto)) {
                continue;
            }
            matched = true;
            if (p.port() != null) {
                for (String ip : ips) {
                    InetAddress a = HostPorts.literal(ip);
                    Name target = a != null ? self : absolute(ip);
                    if (target != null) {
                        r.srvCandidate(target, p.port(), a);
                    }
                }
            }
        }
        if (!matched) {
            return NameRecords.NONE;
        }
        boolean aliased = false;
        for (String ip : ips) {
            InetAddress a = HostPorts.literal(ip);
            Name alias = a == null && !aliased ? absolute(ip) : null;
            if (a != null) {
                r.address(q.name(), q.ttl(), a);
            } else if (alias != null) {
                aliased = true;
                r.add(new org.xbill.DNS.CNAMERecord(q.name(), org.xbill.DNS.DClass.IN, q.ttl(), alias));
            }
        }
        return r.finish(q.name(), q.ttl());
    }

    /** A domain name as an absolute {@link Name}; null when it is not one. */
    public static Name absolute(String name) {
        try {
            return Name.fromString(name.endsWith(".") ? name : name + ".");
        } catch (org.xbill.DNS.TextParseException e) {
            return null;
        }
    }

    /** A headless service: NONE (NXDOMAIN, per the specs) when no ready endpoint has a matching port. */
    public static NameRecords endpoints(Query q, List<Slice> slices, String port, String proto, Target target) {
        NameRecords r = NameRecords.existing();
        boolean any = false;
        for (ReadyAddress a : ReadyAddress.of(slices)) {
            boolean portOk = port == null;
            for (Slice.Port p : a.slice().ports()) {
                if (port != null && !matches(p, port, proto)) {
                    continue;
                }
                portOk = true;
                Name name = p.port() == null ? null : q.under(target.below(a));
                if (name != null) {
                    r.srvCandidate(name, p.port(), a.ip());
                }
            }
            if (portOk) {
                any = true;
                r.address(q.name(), q.ttl(), a.ip());
            }
        }
        return any ? r.finish(q.name(), q.ttl()) : NameRecords.NONE;
    }

    /** The port's name and protocol match the labels (ignoring case; an empty label matches all). */
    public static boolean matches(Slice.Port p, String port, String proto) {
        return (port.isEmpty() || p.name() != null && p.name().equalsIgnoreCase(port))
                && (proto.isEmpty() || p.protocol().equalsIgnoreCase(proto));
    }
}
