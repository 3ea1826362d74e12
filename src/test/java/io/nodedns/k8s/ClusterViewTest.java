package io.nodedns.k8s;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.nodedns.testing.Unmeasured;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The incremental view (issue 19 item 2): each object change updates only the entries of the names
 * it concerns, leaves every other entry the same object, and the indexes (ClusterIP owners, PTR
 * endpoints, pod IPs) follow adds, changes, moves and deletes.
 */
@Unmeasured
class ClusterViewTest {
    static final Slice.Port HTTP = new Slice.Port("http", "TCP", 80);

    static KubeService svc(String ns, String name, String... ips) {
        return new KubeService(ns, name, ips.length == 0, null, List.of(ips), List.of(HTTP));
    }

    static Slice slice(String ns, String name, String service, String... ips) {
        List<Slice.Endpoint> eps = java.util.Arrays.stream(ips)
                .map(ip -> new Slice.Endpoint(List.of(ip), true, true, null, null, null)).toList();
        return new Slice(ns, name, "1", Map.of(EndpointSliceWatcher.SERVICE_NAME_LABEL, service), "IPv4", eps,
                List.of(HTTP));
    }

    @Test
    void aSliceChangeTouchesOnlyItsService() {
        ClusterView v = new ClusterView();
        for (int i = 0; i < 100; i++) {
            v.service(null, svc("ns", "s" + i, "10.0.0." + i));
            v.slice(null, slice("ns", "s" + i + "-a", "s" + i, "10.1.0." + i));
        }
        List<Slice> other = v.slices("ns", "s2");
        List<ClusterView.EndpointOf> otherPtr = v.endpointsWithIp("10.1.0.2");
        Slice old = v.slices("ns", "s1").getFirst();
        Slice moved = slice("ns", "s1-a", "s1", "10.1.0.201");
        v.slice(old, moved);

        assertEquals(List.of(moved), v.slices("ns", "s1"));
        assertSame(other, v.slices("ns", "s2"), "an untouched Service keeps its entry");
        assertSame(otherPtr, v.endpointsWithIp("10.1.0.2"));
        assertEquals(List.of(), v.endpointsWithIp("10.1.0.1"), "the old address has no PTR any more");
        assertEquals("ns/s1", v.endpointsWithIp("10.1.0.201").getFirst().serviceKey());
        assertEquals(100, v.serviceCount());
    }

    @Test
    void slicesOfOneServiceAddUpAndLeaveOneByOne() {
        ClusterView v = new ClusterView();
        Slice a = slice("ns", "web-a", "web", "10.1.0.1");
        Slice b = slice("ns", "web-b", "web", "10.1.0.2");
        v.slice(null, a);
        v.slice(null, b);
        assertEquals(List.of(a, b), v.slices("ns", "web"));
        v.slice(a, null);
        assertEquals(List.of(b), v.slices("ns", "web"));
        Slice relabelled = slice("ns", "web-b", "api", "10.1.0.2");
        v.slice(b, relabelled); // the service-name label changed: the slice moves
        assertEquals(List.of(), v.slices("ns", "web"));
        assertEquals(List.of(relabelled), v.slices("ns", "api"));
        assertEquals("ns/api", v.endpointsWithIp("10.1.0.2").getFirst().serviceKey());
        assertEquals(1, v.endpointsWithIp("10.1.0.2").size());
    }

    @Test
    void clusterIpOwnersKeepArrivalOrderAcrossChanges() {
        ClusterView v = new ClusterView();
        KubeService a = svc("ns", "a", "10.0.0.1");
        KubeService b = svc("ns", "b", "10.0.0.1");
        v.service(null, a);
        v.service(null, b);
        KubeService a2 = new KubeService("ns", "a", false, null, List.of("10.0.0.1", "10.0.0.9"), List.of());
        v.service(a, a2); // a keeps 10.0.0.1: it stays first
        assertEquals(List.of("ns/a", "ns/b"), v.clusterIpOwners("10.0.0.1"));
        assertEquals(List.of("ns/a"), v.clusterIpOwners("10.0.0.9"));
        v.service(a2, null);
        assertEquals(List.of("ns/b"), v.clusterIpOwners("10.0.0.1"));
        assertEquals(List.of(), v.clusterIpOwners("10.0.0.9"));
        assertNull(v.service("ns", "a"));
        assertNotNull(v.service("ns", "b"));
    }

    @Test
    void podIpsCountPodsSharingAnAddress() {
        ClusterView v = new ClusterView();
        KubePod p1 = new KubePod("ns", "p1", List.of("192.168.0.5")); // hostNetwork pods share the node's IP
        KubePod p2 = new KubePod("ns", "p2", List.of("192.168.0.5"));
        v.pod(null, p1);
        v.pod(null, p2);
        v.pod(p1, null);
        assertTrue(v.podIpExists("ns", "192.168.0.5"), "p2 still has it");
        v.pod(p2, null);
        assertFalse(v.podIpExists("ns", "192.168.0.5"));
    }

    private static String namespaceAt(ClusterView v, PodIp ip) {
        KubePod pod = v.podWithIp(ip);
        return pod == null ? null : pod.namespace();
    }

    /** autopath's index: a client IP to its pod's namespace, kept per pod change; a probe filled byte by byte finds it. */
    @Test
    void podNamespaceByIp() {
        ClusterView v = new ClusterView();
        KubePod a = new KubePod("ns1", "a", List.of("10.0.0.5", "fd00::5"));
        v.pod(null, a);
        PodIp probe = new PodIp().length(4).set(0, 10).set(1, 0).set(2, 0).set(3, 5);
        assertEquals("ns1", namespaceAt(v, probe));
        assertEquals("ns1", namespaceAt(v, PodIp.of("fd00:0:0:0:0:0:0:5")), "any spelling of the IPv6 address");
        assertEquals("ns1", namespaceAt(v, PodIp.of("::ffff:10.0.0.5")), "IPv4-mapped is the IPv4 address");
        assertNull(namespaceAt(v, probe.set(3, 6)));
        KubePod h1 = new KubePod("kube-system", "h1", List.of("192.168.0.5")); // hostNetwork pods share the node's IP
        KubePod h2 = new KubePod("monitoring", "h2", List.of("192.168.0.5"));
        v.pod(null, h1);
        v.pod(null, h2);
        assertEquals("kube-system", namespaceAt(v, PodIp.of("192.168.0.5")), "the first known, as CoreDNS's ps[0]");
        v.pod(h1, null);
        assertEquals("monitoring", namespaceAt(v, PodIp.of("192.168.0.5")));
        KubePod moved = new KubePod("ns1", "a", List.of("10.0.0.6"));
        v.pod(a, moved);
        assertNull(namespaceAt(v, PodIp.of("10.0.0.5")));
        assertEquals("ns1", namespaceAt(v, PodIp.of("10.0.0.6")));
        assertTrue(v.podIpExists("ns1", "10.0.0.6"));
        assertFalse(v.podIpExists("ns2", "10.0.0.6"));
        v.pod(moved, null);
        v.pod(h2, null);
        assertNull(namespaceAt(v, PodIp.of("10.0.0.6")));
        assertNull(namespaceAt(v, PodIp.of("192.168.0.5")));
    }

    /**
     * metadata's client lookup: the pod itself, first seen first; a relist's copy of a pod (equal,
     * not the same object) removes it, and an IP taken over by another pod names the new one.
     */
    @Test
    void podWithIpIsTheFirstPodSeenAndFollowsDeletesAndReuse() {
        ClusterView v = new ClusterView();
        KubePod a = new KubePod("ns1", "a", List.of("10.0.0.5"));
        KubePod b = new KubePod("ns2", "b", List.of("10.0.0.5"));
        v.pod(null, a);
        v.pod(null, b);
        assertSame(a, v.podWithIp(PodIp.of("10.0.0.5")));
        v.pod(new KubePod("ns1", "a", List.of("10.0.0.5")), null); // the relisted copy's delete event
        assertSame(b, v.podWithIp(PodIp.of("10.0.0.5")));
        v.pod(b, null);
        assertNull(v.podWithIp(PodIp.of("10.0.0.5")));
        KubePod reuse = new KubePod("ns3", "reuse", List.of("10.0.0.5"));
        v.pod(null, reuse);
        assertEquals("reuse", v.podWithIp(PodIp.of("10.0.0.5")).name());
        assertNull(v.podWithIp(PodIp.of("10.0.0.6")));
    }

    /** A pod modified in place (same IP) is never missing to a concurrent reader: the new entry goes in first. */
    @Test
    void aModifiedPodIpIsNeverMissingToAConcurrentReader() throws Exception {
        ClusterView v = new ClusterView();
        KubePod[] pod = {new KubePod("ns1", "a", List.of("10.0.0.5"))};
        v.pod(null, pod[0]);
        PodIp ip = PodIp.of("10.0.0.5");
        java.util.concurrent.atomic.AtomicBoolean done = new java.util.concurrent.atomic.AtomicBoolean();
        java.util.concurrent.atomic.AtomicLong missing = new java.util.concurrent.atomic.AtomicLong();
        java.util.concurrent.atomic.AtomicLong reads = new java.util.concurrent.atomic.AtomicLong();
        Thread reader = Thread.ofPlatform().start(() -> {
            while (!done.get()) {
                if (!"ns1".equals(namespaceAt(v, ip))) {
                    missing.incrementAndGet();
                }
                reads.incrementAndGet();
            }
        });
        for (int i = 0; i < 200_000; i++) {
            KubePod next = new KubePod("ns1", "a", List.of("10.0.0.5"));
            v.pod(pod[0], next);
            pod[0] = next;
        }
        done.set(true);
        reader.join();
        assertTrue(reads.get() > 0);
        assertEquals(0, missing.get(), "reads that found the pod's IP missing, of " + reads.get());
    }

    @Test
    void namespacesImportsAndIgnoredMulticlusterSlices() {
        ClusterView v = new ClusterView();
        v.namespace(null, "prod");
        assertTrue(v.namespaceExists("prod"));
        v.namespace("prod", null);
        assertFalse(v.namespaceExists("prod"));

        KubeServiceImport imp = new KubeServiceImport("ns", "db", false, List.of("10.9.0.1"), List.of(HTTP));
        v.serviceImport(null, imp);
        assertSame(imp, v.serviceImport("ns", "db"));
        assertEquals(1, v.importCount());
        Slice c1 = new Slice("ns", "db-c1", "1",
                Map.of(ClusterView.MCS_SERVICE_LABEL, "db", ClusterView.MCS_CLUSTER_LABEL,
                        "c1"),
                "IPv4", List.of(), List.of(HTTP));
        Slice fqdn = new Slice("ns", "db-f", "1",
                Map.of(ClusterView.MCS_SERVICE_LABEL, "db", ClusterView.MCS_CLUSTER_LABEL,
                        "c2"),
                "FQDN", List.of(), List.of(HTTP));
        v.multiclusterSlice(null, c1);
        v.multiclusterSlice(null, fqdn);
        assertEquals(List.of(c1), v.multiclusterSlices("ns", "db"));
        assertEquals(1, v.ignoredMulticlusterSlices());
        v.multiclusterSlice(fqdn, null);
        v.multiclusterSlice(c1, null);
        assertEquals(0, v.ignoredMulticlusterSlices());
        assertEquals(List.of(), v.multiclusterSlices("ns", "db"));
        v.serviceImport(imp, null);
        assertEquals(0, v.importCount());
    }

    @Test
    void ipLiteralsWithoutRegexes() {
        assertEquals("10.0.0.1", HostPorts.literal("10.0.0.1").getHostAddress());
        assertNull(HostPorts.literal("10.0.0.256"));
        assertNull(HostPorts.literal("10.0.0"));
        assertNull(HostPorts.literal("10.0.0.1."));
        assertNull(HostPorts.literal("1000.0.0.1"));
        assertNull(HostPorts.literal("example.org"));
        assertNull(HostPorts.literal("fd00::g"));
        assertEquals("fd00:0:0:0:0:0:0:a", HostPorts.literal("fd00::a").getHostAddress());
        assertEquals("fd00:0:0:0:0:0:0:a", ClusterView.canonical("FD00:0::A"));
        assertNull(HostPorts.parse("10.0.0.1:0", 53));
        assertEquals(5353, HostPorts.parse("10.0.0.1:5353", 53).getPort());
        assertNull(HostPorts.parse("10.0.0.1:+53", 53));
    }

    @Test
    void aModifiedNameIsNeverMissingToAConcurrentReader() throws Exception {
        ClusterView v = new ClusterView();
        KubeService[] svc = {svc("ns", "web", "10.0.0.1")};
        Slice[] sl = {slice("ns", "web-a", "web", "10.1.0.1")};
        v.namespace(null, "ns");
        v.service(null, svc[0]);
        v.slice(null, sl[0]);
        java.util.concurrent.atomic.AtomicBoolean done = new java.util.concurrent.atomic.AtomicBoolean();
        java.util.concurrent.atomic.AtomicLong missing = new java.util.concurrent.atomic.AtomicLong();
        java.util.concurrent.atomic.AtomicLong reads = new java.util.concurrent.atomic.AtomicLong();
        Thread reader = Thread.ofPlatform().start(() -> {
            while (!done.get()) {
                if (v.service("ns", "web") == null || v.slices("ns", "web").isEmpty() || !v.namespaceExists("ns")) {
                    missing.incrementAndGet();
                }
                reads.incrementAndGet();
            }
        });
        for (int i = 0; i < 200_000; i++) { // modify events: same keys, new objects (a rolling deploy)
            KubeService nextSvc = svc("ns", "web", "10.0.0.1");
            Slice nextSlice = slice("ns", "web-a", "web", "10.1.0." + (i % 200 + 1));
            v.service(svc[0], nextSvc);
            v.slice(sl[0], nextSlice);
            v.namespace("ns", "ns");
            svc[0] = nextSvc;
            sl[0] = nextSlice;
        }
        done.set(true);
        reader.join();
        assertTrue(reads.get() > 0);
        assertEquals(0, missing.get(),
                "reads that found the Service, its slices or its namespace missing, of " + reads.get());
    }
}
