package io.nodedns.plugin.multicluster;

import io.nodedns.k8s.ClusterView;
import io.nodedns.k8s.KubeServiceImport;
import io.nodedns.k8s.Slice;
import io.nodedns.k8s.dns.NameRecords;
import io.nodedns.k8s.dns.Query;
import io.nodedns.k8s.dns.ReadyAddress;
import io.nodedns.k8s.dns.Resolver;
import io.nodedns.k8s.dns.ServiceRecords;
import java.util.List;
import java.util.Locale;
import org.xbill.DNS.Name;

/**
 * clusterset.local per the Multicluster Services DNS spec (KEP-1645)
 * with the choices of docs/decisions.md: {@code <svc>.<ns>.svc}, {@code _<port>._<proto>.<svc>.<ns>.svc},
 * {@code <hostname>.<clusterid>.<svc>.<ns>.svc} (headless imports only); no pod records.
 */
final class ClustersetResolver implements Resolver {
    private final boolean noEndpoints;

    ClustersetResolver(boolean noEndpoints) {
        this.noEndpoints = noEndpoints;
    }
    @Override
    public String schemaVersion() {
        return "1.0.0"; // docs/decisions.md multicluster 1: the MCS spec's version, not CoreDNS's "1.1.0"
    }

    @Override
    public NameRecords resolve(ClusterView view, Query q) {
        String kind = q.fromRight(0);
        if (kind.equals("pod") && q.size() == 1) {
            return NameRecords.existing(); // pod.Z is an empty non-terminal
        }
        if (!kind.equals("svc")) {
            return NameRecords.NONE; // includes everything under pod.Z (docs/decisions.md multicluster 5)
        }
        if (q.size() == 1) {
            return NameRecords.existing();
        }
        String ns = q.fromRight(1);
        if (!view.namespaceExists(ns)) {
            return NameRecords.NONE;
        }
        if (q.size() == 2) {
            return NameRecords.existing();
        }
        KubeServiceImport imp = view.serviceImport(ns, q.fromRight(2));
        if (imp == null) {
            return NameRecords.NONE;
        }
        List<Slice> slices = noEndpoints ? List.of() : view.multiclusterSlices(ns, imp.name());
        if (q.size() == 3) {
            return service(q, imp, slices, null, null);
        }
        if (q.size() != 5) {
            return NameRecords.NONE; // one extra label (a bare clusterid or hostname) is reserved; 3+ do not exist
        }
        String left = q.labels().get(0);
        String right = q.labels().get(1);
        if (right.startsWith("_")) {
            return service(q, imp, slices, strip(left), right.substring(1));
        }
        return imp.headless() ? endpoint(q, imp, slices, left, right) : NameRecords.NONE; // docs/decisions.md 8
    }

    private static String strip(String label) {
        return label.startsWith("_") ? label.substring(1) : label;
    }

    private NameRecords service(Query q, KubeServiceImport imp, List<Slice> slices, String port, String proto) {
        if (!imp.headless()) {
            return ServiceRecords.virtualIp(q, q.under(imp.name() + "." + imp.namespace() + ".svc"), imp.ports(),
                    imp.ips(), port, proto);
        }
        String below = "." + imp.name() + "." + imp.namespace() + ".svc";
        return ServiceRecords.endpoints(q, slices, port, proto, a -> a.hostname(false) + "."
                + a.slice().label(ClusterView.MCS_CLUSTER_LABEL).toLowerCase(Locale.ROOT) + below);
    }

    /** {@code <hostname>.<clusterid>}: the ready endpoints of that cluster with that hostname, and their SRV. */
    private NameRecords endpoint(Query q, KubeServiceImport imp, List<Slice> slices, String hostname, String cluster) {
        NameRecords r = NameRecords.existing();
        boolean any = false;
        for (ReadyAddress a : ReadyAddress.of(slices)) {
            if (!a.slice().label(ClusterView.MCS_CLUSTER_LABEL).equalsIgnoreCase(cluster)
                    || !a.hostname(false).equals(hostname)) {
                continue;
            }
            any = true;
            r.address(q.name(), q.ttl(), a.ip());
            for (Slice.Port p : a.slice().ports()) {
                if (p.port() != null) {
                    r.srvCandidate(q.name(), p.port(), a.ip());
                }
            }
        }
        return any ? r.finish(q.name(), q.ttl()) : NameRecords.NONE;
    }
}
