package io.nodedns.plugin.kubernetes;

import io.nodedns.k8s.ClusterView;
import io.nodedns.k8s.KubeService;
import io.nodedns.k8s.Slice;
import io.nodedns.k8s.dns.Externaler;
import io.nodedns.k8s.dns.Hostnames;
import io.nodedns.k8s.dns.NameRecords;
import io.nodedns.k8s.dns.Query;
import io.nodedns.k8s.dns.ReadyAddress;
import io.nodedns.k8s.dns.Resolver;
import io.nodedns.k8s.dns.ServiceRecords;
import java.net.InetAddress;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import org.xbill.DNS.CNAMERecord;
import org.xbill.DNS.DClass;
import org.xbill.DNS.Name;
import org.xbill.DNS.PTRRecord;

/**
 * cluster.local per the Kubernetes DNS spec 1.1.0 and CoreDNS's kubernetes plugin: {@code <svc>.<ns>.svc}, {@code <hostname>.<svc>.<ns>.svc},
 * {@code <port>.<proto>.<svc>.<ns>.svc} (underscores optional), {@code <ip>.<ns>.pod} by pod mode,
 * {@code ns.dns}, and PTR in reverse zones; and the names k8s_external serves from the same view.
 */
final class ClusterLocalResolver implements Resolver, Externaler {
    enum Pods {
        DISABLED, INSECURE, VERIFIED
    }

    record Options(Set<String> namespaces, Pods pods, boolean endpointPodNames, boolean noEndpoints,
            String primaryZone, boolean ignoreEmptyService) {
    }

    private final Options options;

    ClusterLocalResolver(Options options) {
        this.options = options;
    }

    @Override
    public String schemaVersion() {
        return "1.1.0";
    }

    @Override
    public NameRecords resolve(ClusterView view, Query q) {
        String zone = q.zone().toString().toLowerCase(Locale.ROOT);
        if (zone.endsWith("in-addr.arpa.") || zone.endsWith("ip6.arpa.")) {
            return reverse(view, q);
        }
        String kind = q.fromRight(0);
        if (kind.equals("dns")) {
            return NameRecords.serverSubdomain(q, "ns");
        }
        if (!kind.equals("svc") && !kind.equals("pod")) {
            return NameRecords.NONE;
        }
        if (q.size() == 1) {
            return NameRecords.existing();
        }
        String ns = q.fromRight(1);
        if (!namespaceVisible(view, ns)) {
            return NameRecords.NONE;
        }
        return kind.equals("pod") ? pod(view, q, ns) : service(view, q, ns);
    }

    private boolean namespaceVisible(ClusterView view, String ns) {
        return view.namespaceExists(ns) && (options.namespaces().isEmpty() || options.namespaces().contains(ns));
    }

    private NameRecords pod(ClusterView view, Query q, String ns) {
        if (options.pods() == Pods.DISABLED) {
            return NameRecords.NONE;
        }
        if (q.size() == 2) {
            return NameRecords.existing();
        }
        InetAddress ip = Hostnames.parseDashed(q.fromRight(2)); // labels left of the IP are ignored, as CoreDNS
        if (ip == null || options.pods() == Pods.VERIFIED && !view.podIpExists(ns, ip.getHostAddress())) {
            return NameRecords.NONE;
        }
        return NameRecords.existing().address(q.name(), q.ttl(), ip);
    }

    private NameRecords service(ClusterView view, Query q, String ns) {
        if (q.size() == 2) {
            return NameRecords.existing();
        }
        KubeService svc = view.service(ns, q.fromRight(2));
        if (svc == null) {
            return NameRecords.NONE;
        }
        List<Slice> slices = options.noEndpoints() ? List.of() : view.slices(ns, svc.name());
        if (options.ignoreEmptyService() && !svc.isExternalName() && !svc.headless() && !anyReadyAddress(slices)) {
            return NameRecords.NONE; // CoreDNS: NXDOMAIN, so the client's search path can try elsewhere
        }
        return switch (q.size()) {
            case 3 -> serviceName(q, svc, slices, null, null);
            case 4 -> endpointName(q, svc, slices, q.labels().getFirst());
            case 5 -> serviceName(q, svc, slices, strip(q.labels().get(0)), strip(q.labels().get(1)));
            default -> NameRecords.NONE;
        };
    }

    /** {@code ignore empty_service}: does the service have a ready endpoint address (CoreDNS counts Endpoints addresses)? */
    private static boolean anyReadyAddress(List<Slice> slices) {
        for (Slice s : slices) {
            for (Slice.Endpoint e : s.endpoints()) {
                if (e.isReady() && !e.addresses().isEmpty()) {
                    return true;
                }
            }
        }
        return false;
    }

    private static String strip(String label) {
        return label.startsWith("_") ? label.substring(1) : label;
    }

    /** The service's own name (port and proto null) or its {@code _port._proto} name. */
    private NameRecords serviceName(Query q, KubeService svc, List<Slice> slices, String port, String proto) {
        Name self = q.under(svc.name() + "." + svc.namespace() + ".svc");
        if (svc.isExternalName()) {
            if (port != null) {
                return NameRecords.NONE; // SRV answers leave out CNAME services
            }
            Name target = absolute(svc.externalName());
            return target == null
                    ? NameRecords.NONE
                    : NameRecords.existing().add(new CNAMERecord(q.name(), DClass.IN, q.ttl(), target));
        }
        if (!svc.headless()) {
            return ServiceRecords.virtualIp(q, self, svc.ports(), svc.clusterIPs(), port, proto);
        }
        String below = "." + svc.name() + "." + svc.namespace() + ".svc";
        return ServiceRecords.endpoints(q, slices, port, proto,
                a -> a.hostname(options.endpointPodNames()) + below);
    }

    /**
     * k8s_external's names (CoreDNS's kubernetes/external.go). A name with an endpoint label answers
     * only with {@code headless}, from a headless Service without external IPs; CoreDNS then answers
     * the Service's external IPs for any first label.
     */
    @Override
    public NameRecords external(ClusterView view, Query q, boolean headless, Name firstZone) {
        if (q.type() == org.xbill.DNS.Type.PTR && ReverseNames.address(q.name()) != null) {
            return externalReverse(view, q, firstZone);
        }
        String ns = q.fromRight(0);
        if (!namespaceVisible(view, ns)) {
            return NameRecords.NONE;
        }
        if (q.size() == 1) {
            return NameRecords.existing();
        }
        KubeService svc = view.service(ns, q.fromRight(1));
        if (svc == null || q.size() > 4) {
            return NameRecords.NONE;
        }
        String port = q.size() == 4 ? strip(q.labels().get(0)) : null;
        String proto = q.size() == 4 ? strip(q.labels().get(1)) : null;
        if (headless && svc.externalIPs().isEmpty() && (svc.headless() || q.size() == 3)) {
            List<Slice> slices = options.noEndpoints() ? List.of() : view.slices(ns, svc.name());
            if (q.size() == 3) {
                return endpointName(q, svc, slices, strip(q.labels().getFirst()));
            }
            String below = "." + svc.name() + "." + svc.namespace();
            return ServiceRecords.endpoints(q, slices, port, proto,
                    a -> a.hostname(options.endpointPodNames()) + below);
        }
        if (svc.externalIPs().isEmpty() || q.size() == 3) {
            return NameRecords.NONE;
        }
        return ServiceRecords.virtualIp(q, q.under(svc.name() + "." + svc.namespace()), svc.ports(), svc.externalIPs(),
                port, proto);
    }

    /** PTR for an external IP: {@code svc.ns.FIRSTZONE} for each Service that has it. */
    private NameRecords externalReverse(ClusterView view, Query q, Name firstZone) {
        NameRecords r = NameRecords.existing();
        boolean any = false;
        for (String key : view.externalIpOwners(ReverseNames.address(q.name()).getHostAddress())) {
            String ns = key.substring(0, key.indexOf('/'));
            Name target = absolute(key.substring(key.indexOf('/') + 1) + "." + ns + "." + firstZone);
            if (namespaceVisible(view, ns) && target != null) {
                any = true;
                r.add(new PTRRecord(q.name(), DClass.IN, q.ttl(), target));
            }
        }
        return any ? r : NameRecords.NONE;
    }

    /** {@code <hostname>.<svc>.<ns>.svc}: ready endpoints of any service with that hostname. */
    private NameRecords endpointName(Query q, KubeService svc, List<Slice> slices, String hostname) {
        NameRecords r = NameRecords.existing();
        boolean any = false;
        for (ReadyAddress a : ReadyAddress.of(slices)) {
            if (a.hostname(options.endpointPodNames()).equals(hostname)) {
                any = true;
                r.address(q.name(), q.ttl(), a.ip());
            }
        }
        return any ? r : NameRecords.NONE;
    }

    /** PTR for ClusterIPs (first owner wins) and for ready endpoint IPs, names under the primary zone. */
    private NameRecords reverse(ClusterView view, Query q) {
        InetAddress ip = ReverseNames.address(q.name());
        if (ip == null) {
            return NameRecords.NONE;
        }
        String text = ip.getHostAddress();
        List<String> owners = view.clusterIpOwners(text);
        NameRecords r = NameRecords.existing();
        if (!owners.isEmpty()) {
            String key = owners.getFirst();
            String ns = key.substring(0, key.indexOf('/'));
            if (namespaceVisible(view, ns)) {
                Name target = absolute(
                        key.substring(key.indexOf('/') + 1) + "." + ns + ".svc." + options.primaryZone());
                return target == null ? NameRecords.NONE : r.add(new PTRRecord(q.name(), DClass.IN, q.ttl(), target));
            }
        }
        boolean any = false;
        if (!options.noEndpoints()) {
            for (ClusterView.EndpointOf e : view.endpointsWithIp(text)) {
                String key = e.serviceKey();
                String ns = key.substring(0, key.indexOf('/'));
                if (!namespaceVisible(view, ns)) {
                    continue;
                }
                Name target = absolute(Hostnames.of(e.endpoint(), text, options.endpointPodNames()) + "."
                        + key.substring(key.indexOf('/') + 1) + "." + ns + ".svc." + options.primaryZone());
                if (target != null) {
                    any = true;
                    r.add(new PTRRecord(q.name(), DClass.IN, q.ttl(), target));
                }
            }
        }
        return any ? r : NameRecords.NONE;
    }

    static Name absolute(String name) {
        return ServiceRecords.absolute(name);
    }
}
