package io.nodedns.plugin.autopath;

import io.nodedns.config.Zones;
import io.nodedns.k8s.KubePod;
import io.nodedns.k8s.dns.DiscoveryHandler;
import io.nodedns.server.Exchange;
import io.nodedns.wire.QueryView;
import io.nodedns.wire.ZoneSet;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.agrona.DirectBuffer;
import org.xbill.DNS.Name;
import org.xbill.DNS.TextParseException;

/**
 * {@code autopath @kubernetes}: the search path kubelet gives a pod (CoreDNS plugin/kubernetes
 * autopath.go), {@code NS.svc.ZONE svc.ZONE ZONE} and then the node's own search domains, for the
 * kubernetes zone the question is in and the namespace of the pod whose IP asked. A client that is
 * not a known pod has none, and its query passes on unchanged.
 */
final class PodSearchPath implements SearchPath {
    private final DiscoveryHandler kubernetes;
    /** {@code svc.ZONE} for each kubernetes zone: a first search domain always lies below one. */
    private final ZoneSet svcZones;
    private final List<String> hostSearch;

    /** {@code hostSearch}: the node's search domains, normalized (CoreDNS reads them from /etc/resolv.conf). */
    PodSearchPath(DiscoveryHandler kubernetes, List<String> hostSearch) {
        this.kubernetes = kubernetes;
        this.hostSearch = List.copyOf(hostSearch);
        List<String> svc = new ArrayList<>();
        for (String zone : kubernetes.zones()) {
            svc.add(zone.equals(".") ? "svc." : "svc." + zone);
        }
        this.svcZones = ZoneSet.of(svc);
    }

    @Override
    public boolean matches(Exchange ex) {
        int z = svcZones.longest(ex.query());
        String namespace = z < 0 ? null : clientNamespace(ex); // the IP lookup only below svc.ZONE
        return namespace != null && belowNamespace(ex.query(), svcZones.length(z), namespace);
    }

    @Override
    public List<Name> of(Exchange ex, Name qname) {
        String namespace = clientNamespace(ex);
        String zone = Zones.matches(kubernetes.zones(), qname.toString().toLowerCase(Locale.ROOT));
        if (namespace == null || zone == null) {
            return null;
        }
        String svc = zone.equals(".") ? "svc." : "svc." + zone;
        List<Name> path = new ArrayList<>(4 + hostSearch.size());
        try {
            path.add(Name.fromString(namespace + "." + svc));
            path.add(Name.fromString(svc));
            path.add(Name.fromString(zone));
            for (String s : hostSearch) {
                path.add(Name.fromString(s));
            }
        } catch (TextParseException e) {
            return null; // a namespace is a DNS label; nothing else can get here
        }
        path.add(Name.root);
        return qname.subdomain(path.getFirst()) && !qname.equals(path.getFirst()) ? path : null;
    }

    /** The namespace of the pod with the client's IP, or null (not a pod, or kubernetes not started). */
    private String clientNamespace(Exchange ex) {
        KubePod pod = kubernetes.clientPod(ex);
        return pod == null ? null : pod.namespace();
    }

    /**
     * Whether the question is {@code X.NAMESPACE.svc.ZONE} for one or more labels X, the zone part
     * being its last {@code svcLength} bytes (a label boundary: the zone set matched there).
     */
    static boolean belowNamespace(QueryView q, int svcLength, String namespace) {
        DirectBuffer b = q.buffer();
        int off = q.qnameOffset();
        int len = q.qnameLength();
        int suffix = off + len - svcLength;
        int p = off;
        int label = -1;
        int before = -1;
        while (p < suffix) {
            before = label;
            label = p;
            p += 1 + (b.getByte(p) & 0xFF);
        }
        if (p != suffix || before < 0 || (b.getByte(label) & 0xFF) != namespace.length()) {
            return false;
        }
        for (int i = 0; i < namespace.length(); i++) {
            int c = b.getByte(label + 1 + i) & 0xFF;
            if ((c >= 'A' && c <= 'Z' ? c + 32 : c) != namespace.charAt(i)) {
                return false;
            }
        }
        return true;
    }
}
