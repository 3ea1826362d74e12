package io.nodedns.plugin.kubernetes;

import io.nodedns.k8s.KubePod;
import io.nodedns.k8s.dns.DiscoveryHandler;
import io.nodedns.server.Exchange;
import io.nodedns.server.MetadataProvider;
import io.nodedns.wire.Names;
import io.nodedns.wire.ZoneSet;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The labels kubernetes publishes for names under its zones (CoreDNS plugin/kubernetes/metadata.go):
 * the question split as the cluster.local grammar reads it, {@code [_port._protocol.|endpoint.]
 * service.namespace.svc|pod.ZONE}: kubernetes/kind, namespace, service, endpoint, port-name and
 * protocol (empty where the name has no such part), or kubernetes/parse-error for a name the
 * grammar rejects. Asked by the metadata plugin before the chain runs, whichever plugin answers.
 *
 * <p>With {@code pods verified}, for any name, also the pod whose IP asked: kubernetes/client-namespace
 * and kubernetes/client-pod-name, or neither when the client is no known pod (CoreDNS 1.10.1 has no
 * client-label/* yet).
 */
final class KubernetesMetadata implements MetadataProvider {
    /** CoreDNS's errInvalidRequest text. */
    static final String INVALID = "invalid request";

    private final List<String> zones;
    /** The zones in wire form: a name outside them costs one match on its bytes, no string. */
    private final ZoneSet wireZones;

    /** The handler whose pod view knows the clients; null without {@code pods verified}. */
    private final DiscoveryHandler clients;

    KubernetesMetadata(List<String> zones, DiscoveryHandler clients) {
        this.zones = List.copyOf(zones);
        this.wireZones = ZoneSet.of(this.zones);
        this.clients = clients;
    }

    @Override
    public void metadata(Exchange ex) {
        KubePod client = clients == null ? null : clients.clientPod(ex);
        if (client != null) { // before the zone: CoreDNS labels the client whatever it asks
            ex.metadata("kubernetes/client-namespace", client.namespace());
            ex.metadata("kubernetes/client-pod-name", client.name());
        }
        int z = wireZones.longest(ex.query());
        if (z < 0) {
            return;
        }
        String zone = zones.get(z);
        String name = Names.toCoreDnsText(ex.request(), ex.query().qnameOffset(), ex.query().qnameLength())
                .toLowerCase(Locale.ROOT);
        // the name less the zone and the dot before it (for the root zone, the name's own last dot: dnsutil.TrimZone)
        String base = name.length() == zone.length()
                ? ""
                : name.substring(0, name.length() - (zone.equals(".") ? 1 : zone.length() + 1));
        String[] segs = base.isEmpty() || base.equals("svc") || base.equals("pod") ? new String[0] : labels(base);
        String kind = "";
        String namespace = "";
        String service = "";
        String endpoint = "";
        String port = "";
        String protocol = "";
        int last = segs.length - 1;
        if (last >= 0) {
            kind = segs[last];
            if (!kind.equals("svc") && !kind.equals("pod")) {
                ex.metadata("kubernetes/parse-error", INVALID);
                return;
            }
            namespace = last >= 1 ? segs[last - 1] : "";
            service = last >= 2 ? segs[last - 2] : "";
            switch (last) {
                case 0, 1, 2 -> {
                }
                case 3 -> endpoint = segs[0];
                case 4 -> { // nodedns has no multicluster option on kubernetes: always _port._protocol
                    port = stripUnderscore(segs[0]);
                    protocol = stripUnderscore(segs[1]);
                }
                default -> { // longer than any name of the grammar (zonal names are not supported)
                    ex.metadata("kubernetes/parse-error", INVALID);
                    return;
                }
            }
        }
        ex.metadata("kubernetes/port-name", port);
        ex.metadata("kubernetes/protocol", protocol);
        ex.metadata("kubernetes/endpoint", endpoint);
        ex.metadata("kubernetes/service", service);
        ex.metadata("kubernetes/namespace", namespace);
        ex.metadata("kubernetes/kind", kind);
    }

    /** miekg/dns's SplitDomainName: the labels of name text, split at the dots no backslash escapes. */
    private static String[] labels(String text) {
        List<String> labels = new ArrayList<>();
        int start = 0;
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c == '\\') {
                i++; // the escaped character, or the first digit of a \DDD, belongs to the label
            } else if (c == '.') {
                labels.add(text.substring(start, i));
                start = i + 1;
            }
        }
        labels.add(text.substring(start));
        return labels.toArray(String[]::new);
    }

    private static String stripUnderscore(String s) {
        return s.startsWith("_") ? s.substring(1) : s;
    }
}
