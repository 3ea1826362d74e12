package io.nodedns.k8s;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Predicate;

/**
 * What service discovery answers from: Services and their EndpointSlices, Namespaces, Pod IPs,
 * ServiceImports and multicluster EndpointSlices, with the indexes queries need (by {@code ns/name},
 * by IP). Kept up to date one object change at a time by {@link DiscoveryBackend}: a change touches
 * only the entries of the names it concerns, so a rolling deploy in a 10k-Service cluster costs per
 * EndpointSlice event what the slice holds, not a rebuild of the cluster (docs/benchmarks-discovery.md).
 *
 * <p>Readers never lock: every index is a {@link ConcurrentHashMap} whose values are immutable and
 * replaced whole, so a reader sees each name's old or new entry, never a part of one. Two lookups
 * in one query (a Service, then its slices) may straddle a change, as with an informer's store in
 * CoreDNS. Each index is written by one watcher's thread only.
 */
public final class ClusterView {
    public static final String MCS_SERVICE_LABEL = "multicluster.kubernetes.io/service-name";
    public static final String MCS_CLUSTER_LABEL = "multicluster.kubernetes.io/source-cluster";

    /** An endpoint of a Service as the PTR index finds it. */
    public record EndpointOf(String serviceKey, Slice.Endpoint endpoint) {
    }

    private final Map<String, KubeService> services = new ConcurrentHashMap<>();
    private final Map<String, List<Slice>> slices = new ConcurrentHashMap<>();
    private final Set<String> namespaces = ConcurrentHashMap.newKeySet();
    /**
     * Pod IP -> each pod with it (hostNetwork pods share the node's), in arrival order: the pods the
     * pod watcher's cache holds, so the index costs a list per IP, no copy of a name.
     */
    private final Map<PodIp, List<KubePod>> pods = new ConcurrentHashMap<>();
    private final Map<String, List<String>> clusterIpOwners = new ConcurrentHashMap<>();
    private final Map<String, List<String>> externalIpOwners = new ConcurrentHashMap<>(); // k8s_external's PTR
    private final Map<String, List<EndpointOf>> endpointsByIp = new ConcurrentHashMap<>();
    private final Map<String, KubeServiceImport> imports = new ConcurrentHashMap<>();
    private final Map<String, List<Slice>> mcsSlices = new ConcurrentHashMap<>();
    private final AtomicLong ignoredMcsSlices = new AtomicLong();
    private volatile long serial;

    ClusterView() {}

    // ---- changes (one watcher's thread per index; before null: added, after null: deleted) ----

    void service(KubeService before, KubeService after) {
        // the IP indexes first: a reader that sees the new Service finds its PTR owners already moved
        owners(clusterIpOwners, before, after, before == null ? null : before.clusterIPs(),
                after == null ? null : after.clusterIPs());
        owners(externalIpOwners, before, after, before == null ? null : before.externalIPs(),
                after == null ? null : after.externalIPs());
        String now = after == null ? null : key(after.namespace(), after.name());
        if (after != null) {
            services.put(now, after); // replaces in one step: a modified Service is never missing
        }
        if (before != null && !key(before.namespace(), before.name()).equals(now)) {
            services.remove(key(before.namespace(), before.name()));
        }
        touched();
    }

    /** Moves a Service's entries in an IP index from its old IPs to its new ones; an IP kept keeps its place. */
    private static void owners(Map<String, List<String>> index, KubeService before, KubeService after, List<String> old,
            List<String> now) {
        if (after != null) {
            String key = key(after.namespace(), after.name());
            for (String ip : now) {
                if (HostPorts.literal(ip) != null && (old == null || !old.contains(ip))) {
                    index.merge(canonical(ip), List.of(key), ClusterView::plus);
                }
            }
        }
        if (before != null) {
            String key = key(before.namespace(), before.name());
            for (String ip : old) {
                if (HostPorts.literal(ip) != null && (now == null || !now.contains(ip))) {
                    index.computeIfPresent(canonical(ip), (k, owners) -> without(owners, key::equals));
                }
            }
        }
    }

    /*
     * Each change adds the new state before it takes the old one away, and a list entry whose key
     * stays is replaced in one compute: a reader in between sees the old or the new state, never a
     * name missing (which a query would answer NXDOMAIN and a cache would keep).
     */

    void slice(Slice before, Slice after) {
        String oldKey = before != null && serviceSlice(before)
                ? key(before.namespace(), before.label(EndpointSliceWatcher.SERVICE_NAME_LABEL))
                : null;
        String newKey = after != null && serviceSlice(after)
                ? key(after.namespace(), after.label(EndpointSliceWatcher.SERVICE_NAME_LABEL))
                : null;
        // the PTR index first, as for a Service's IPs; then the slices, the new one before the old goes
        if (newKey != null) {
            for (Slice.Endpoint e : after.endpoints()) {
                if (e.isReady()) {
                    for (String ip : e.addresses()) {
                        endpointsByIp.merge(canonical(ip), List.of(new EndpointOf(newKey, e)), ClusterView::plus);
                    }
                }
            }
        }
        if (oldKey != null) {
            for (Slice.Endpoint e : before.endpoints()) {
                if (e.isReady()) {
                    for (String ip : e.addresses()) {
                        endpointsByIp.computeIfPresent(canonical(ip),
                                (k, list) -> without(list, o -> o.endpoint() == e));
                    }
                }
            }
        }
        if (newKey != null) {
            slices.compute(newKey, (k, list) -> replaced(list, after, s -> s.name().equals(after.name())));
        }
        if (oldKey != null && !oldKey.equals(newKey)) {
            slices.computeIfPresent(oldKey, (k, list) -> without(list, s -> s.name().equals(before.name())));
        }
        touched();
    }

    void namespace(String before, String after) {
        if (after != null) {
            namespaces.add(after);
        }
        if (before != null && !before.equals(after)) {
            namespaces.remove(before);
        }
        touched();
    }

    void pod(KubePod before, KubePod after) {
        // the new pod's IPs first: a modified pod's IP is never missing to a reader in between
        if (after != null) {
            for (String ip : after.ips()) {
                PodIp key = PodIp.of(ip);
                if (key != null) {
                    pods.merge(key, List.of(after), ClusterView::plus);
                }
            }
        }
        if (before != null) {
            for (String ip : before.ips()) {
                PodIp key = PodIp.of(ip);
                if (key != null) {
                    // the first equal pod: a relist's copy of a pod is equal to the one indexed, not the same
                    pods.computeIfPresent(key, (k, list) -> withoutOne(list, before));
                }
            }
        }
        touched();
    }

    void serviceImport(KubeServiceImport before, KubeServiceImport after) {
        String now = after == null ? null : key(after.namespace(), after.name());
        if (after != null) {
            imports.put(now, after);
        }
        if (before != null && !key(before.namespace(), before.name()).equals(now)) {
            imports.remove(key(before.namespace(), before.name()));
        }
        touched();
    }

    void multiclusterSlice(Slice before, Slice after) {
        String newKey = null;
        if (after != null) {
            if (ignoredMulticluster(after)) {
                ignoredMcsSlices.incrementAndGet();
            } else {
                newKey = key(after.namespace(), after.label(MCS_SERVICE_LABEL));
                mcsSlices.compute(newKey, (k, list) -> replaced(list, after, s -> s.name().equals(after.name())));
            }
        }
        if (before != null) {
            if (ignoredMulticluster(before)) {
                ignoredMcsSlices.decrementAndGet();
            } else {
                String oldKey = key(before.namespace(), before.label(MCS_SERVICE_LABEL));
                if (!oldKey.equals(newKey)) {
                    mcsSlices.computeIfPresent(oldKey, (k, list) -> without(list, s -> s.name().equals(before.name())));
                }
            }
        }
        touched();
    }

    /** A new immutable list: the old one (may be null) without the replaced element(s), then the added one. */
    private static <E> List<E> replaced(List<E> old, E added, Predicate<E> drop) {
        List<E> kept = old == null ? null : without(old, drop);
        return kept == null ? List.of(added) : plus(kept, List.of(added));
    }

    private void touched() {
        serial = System.currentTimeMillis() / 1000;
    }

    private static boolean serviceSlice(Slice s) {
        return s.label(EndpointSliceWatcher.SERVICE_NAME_LABEL) != null && ipFamily(s);
    }

    private static boolean ipFamily(Slice s) {
        return "IPv4".equals(s.addressType()) || "IPv6".equals(s.addressType());
    }

    /** docs/decisions.md multicluster 10: FQDN slices and slices without a source cluster are ignored. */
    private static boolean ignoredMulticluster(Slice s) {
        String cluster = s.label(MCS_CLUSTER_LABEL);
        return s.label(MCS_SERVICE_LABEL) == null || cluster == null || cluster.isEmpty() || !ipFamily(s);
    }

    /** A new immutable list: the old one and the added element(s). */
    private static <E> List<E> plus(List<E> old, List<E> added) {
        List<E> out = new ArrayList<>(old.size() + added.size());
        out.addAll(old);
        out.addAll(added);
        return List.copyOf(out);
    }

    /** A new immutable list without the first element equal to {@code drop}; null when none is left. */
    private static <E> List<E> withoutOne(List<E> old, E drop) {
        int at = old.indexOf(drop);
        if (at < 0) {
            return old;
        }
        if (old.size() == 1) {
            return null;
        }
        List<E> out = new ArrayList<>(old);
        out.remove(at);
        return List.copyOf(out);
    }

    /** A new immutable list without the matching elements; null (remove the entry) when none is left. */
    private static <E> List<E> without(List<E> old, Predicate<E> drop) {
        List<E> out = new ArrayList<>(old.size());
        for (E e : old) {
            if (!drop.test(e)) {
                out.add(e);
            }
        }
        return out.isEmpty() ? null : out.size() == old.size() ? old : List.copyOf(out);
    }

    // ---- reads ----

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

    /** Whether a running pod of {@code namespace} has this IP ({@code pods verified}). */
    public boolean podIpExists(String namespace, String ip) {
        PodIp key = PodIp.of(ip);
        List<KubePod> with = key == null ? null : pods.get(key);
        if (with != null) {
            for (KubePod p : with) {
                if (p.namespace().equals(namespace)) {
                    return true;
                }
            }
        }
        return false;
    }

    /**
     * The pod with this IP (the first known of pods sharing it, as CoreDNS's podWithIP takes the
     * first its index returns), or null: autopath's and metadata's client lookup. Allocates nothing.
     */
    public KubePod podWithIp(PodIp ip) {
        List<KubePod> with = pods.get(ip);
        return with == null ? null : with.getFirst();
    }

    /** Services owning this ClusterIP ({@code ns/name}), in arrival order. */
    public List<String> clusterIpOwners(String ip) {
        return clusterIpOwners.getOrDefault(canonical(ip), List.of());
    }

    /** Services with this external or load-balancer IP ({@code ns/name}), in arrival order (k8s_external's PTR). */
    public List<String> externalIpOwners(String ip) {
        return externalIpOwners.getOrDefault(canonical(ip), List.of());
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

    /** Multicluster slices left out (FQDN addressType or no source-cluster label). */
    long ignoredMulticlusterSlices() {
        return ignoredMcsSlices.get();
    }

    /** Unix seconds of the last change (the SOA serial). */
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
