package io.nodedns.k8s;

import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * One immutable snapshot of what service discovery answers from, published atomically by
 * {@link DiscoveryBackend}: Services and their EndpointSlices, Namespaces, Pod IPs, ServiceImports
 * and multicluster EndpointSlices, with the indexes queries need (by {@code ns/name}, by IP).
 * Readers take one volatile read of the current view and never lock.
 */
public final class ClusterView {
    public static final String MCS_SERVICE_LABEL = "multicluster.kubernetes.io/service-name";
    public static final String MCS_CLUSTER_LABEL = "multicluster.kubernetes.io/source-cluster";
    static final ClusterView EMPTY = new ClusterView(List.of(), List.of(), List.of(), List.of(), List.of(), List.of(), 0);

    /** An endpoint of a Service as the PTR index finds it. */
    public record EndpointOf(String serviceKey, Slice.Endpoint endpoint) {}

    private final Map<String, KubeService> services = new HashMap<>();
    private final Map<String, List<Slice>> slices = new HashMap<>();
    private final Set<String> namespaces = new HashSet<>();
    private final Map<String, Set<String>> podIps = new HashMap<>();
    private final Map<String, List<String>> clusterIpOwners = new HashMap<>();
    private final Map<String, List<EndpointOf>> endpointsByIp = new HashMap<>();
    private final Map<String, KubeServiceImport> imports = new HashMap<>();
    private final Map<String, List<Slice>> mcsSlices = new HashMap<>();
    private final long serial;

    ClusterView(Collection<KubeService> svcs, Collection<Slice> kubeSlices, Collection<String> nss,
            Collection<KubePod> pods, Collection<KubeServiceImport> imps, Collection<Slice> multiSlices, long serial) {
        this.serial = serial;
        for (KubeService s : svcs) {
            String key = key(s.namespace(), s.name());
            services.put(key, s);
            for (String ip : s.clusterIPs()) {
                clusterIpOwners.computeIfAbsent(canonical(ip), k -> new ArrayList<>()).add(key);
            }
        }
        for (Slice s : kubeSlices) {
            String svc = s.label(EndpointSliceWatcher.SERVICE_NAME_LABEL);
            if (svc == null || !("IPv4".equals(s.addressType()) || "IPv6".equals(s.addressType()))) {
                continue;
            }
            String key = key(s.namespace(), svc);
            slices.computeIfAbsent(key, k -> new ArrayList<>()).add(s);
            for (Slice.Endpoint e : s.endpoints()) {
                if (!e.isReady()) {
                    continue;
                }
                for (String ip : e.addresses()) {
                    endpointsByIp.computeIfAbsent(canonical(ip), k -> new ArrayList<>()).add(new EndpointOf(key, e));
                }
            }
        }
        namespaces.addAll(nss);
        for (KubePod p : pods) {
            for (String ip : p.ips()) {
                podIps.computeIfAbsent(p.namespace(), k -> new HashSet<>()).add(canonical(ip));
            }
        }
        for (KubeServiceImport i : imps) {
            imports.put(key(i.namespace(), i.name()), i);
        }
        for (Slice s : multiSlices) {
            String svc = s.label(MCS_SERVICE_LABEL);
            String cluster = s.label(MCS_CLUSTER_LABEL);
            // docs/decisions.md multicluster 10: FQDN slices and slices without a source cluster are ignored
            if (svc == null || cluster == null || cluster.isEmpty()
                    || !("IPv4".equals(s.addressType()) || "IPv6".equals(s.addressType()))) {
                continue;
            }
            mcsSlices.computeIfAbsent(key(s.namespace(), svc), k -> new ArrayList<>()).add(s);
        }
    }

    /** How many multicluster slices the view ignored (FQDN type or no source cluster). */
    static long ignoredMulticlusterSlices(Collection<Slice> multiSlices) {
        long n = 0;
        for (Slice s : multiSlices) {
            String cluster = s.label(MCS_CLUSTER_LABEL);
            if (cluster == null || cluster.isEmpty() || !("IPv4".equals(s.addressType()) || "IPv6".equals(s.addressType()))) {
                n++;
            }
        }
        return n;
    }

    public static String key(String namespace, String name) {
        return namespace + "/" + name;
    }

    /** An IP literal in one canonical text form (so PTR lookups match however the API wrote it). */
    public static String canonical(String ip) {
        java.net.InetAddress a = HostPorts.literal(ip);
        return a == null ? ip : a.getHostAddress();
    }

    public KubeService service(String namespace, String name) {
        return services.get(key(namespace, name));
    }

    public List<Slice> slices(String namespace, String service) {
        return slices.getOrDefault(key(namespace, service), List.of());
    }

    public boolean namespaceExists(String namespace) {
        return namespaces.contains(namespace);
    }

    public boolean podIpExists(String namespace, String ip) {
        Set<String> ips = podIps.get(namespace);
        return ips != null && ips.contains(canonical(ip));
    }

    /** Services owning this ClusterIP ({@code ns/name}), in arrival order. */
    public List<String> clusterIpOwners(String ip) {
        return clusterIpOwners.getOrDefault(canonical(ip), List.of());
    }

    public List<EndpointOf> endpointsWithIp(String ip) {
        return endpointsByIp.getOrDefault(canonical(ip), List.of());
    }

    public KubeServiceImport serviceImport(String namespace, String name) {
        return imports.get(key(namespace, name));
    }

    public List<Slice> multiclusterSlices(String namespace, String service) {
        return mcsSlices.getOrDefault(key(namespace, service), List.of());
    }

    /** Unix seconds of the change this view was built for (the SOA serial). */
    public long serial() {
        return serial;
    }

    public int serviceCount() {
        return services.size();
    }

    public int importCount() {
        return imports.size();
    }
}
