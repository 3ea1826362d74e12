package io.nodedns.plugin.kubernetes;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.nodedns.k8stest.DiscoveryServer;
import io.nodedns.k8stest.KubeObjects;
import io.nodedns.k8stest.KubeObjects.Endpoint;
import io.nodedns.k8stest.KubeObjects.Port;
import io.nodedns.k8stest.RecordedRequest;
import io.nodedns.k8stest.StandInCluster;
import io.nodedns.testing.FreePorts;
import io.nodedns.testing.TestServer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.xbill.DNS.Flags;
import org.xbill.DNS.Message;
import org.xbill.DNS.Rcode;
import org.xbill.DNS.Record;
import org.xbill.DNS.SOARecord;
import org.xbill.DNS.Section;
import org.xbill.DNS.TXTRecord;
import org.xbill.DNS.Type;

/**
 * The effect of each {@code kubernetes} option over real sockets: what the server answers, and
 * which resources it lists from a stand-in API server (loopback). The record forms themselves are
 * covered by {@link KubernetesConformanceTest}.
 */
class KubernetesOptionsTest {
    @TempDir
    static Path dir;
    static final Port HTTP = new Port("http", "TCP", 80);
    /** A headless Service default/web whose one endpoint, 10.0.0.7, is the pod web-pod. */
    @RegisterExtension
    static final StandInCluster cluster = StandInCluster.of(KubeObjects.namespace("default"),
            KubeObjects.namespace("other"), KubeObjects.service("default", "web", "None", HTTP),
            KubeObjects.withPodRef(KubeObjects.endpointSlice("default", "web-a",
                    Map.of(KubeObjects.SERVICE_NAME, "web"), "IPv4", List.of(Endpoint.ready("10.0.0.7")), HTTP), 0,
                    "web-pod"),
            KubeObjects.pod("default", "web-pod", "node-1", "10.0.0.7"));

    static DiscoveryServer start(String zones, String body) throws Exception {
        return DiscoveryServer.start(zones, body,
                TestServer.registry().register("kubernetes", new KubernetesSetup(Map.of())));
    }

    static String kube(String header, String... options) {
        StringBuilder b = new StringBuilder(" kubernetes" + header + " {\n  kubeconfig " + cluster.kubeconfig() + "\n");
        for (String o : options) {
            b.append("  ").append(o).append('\n');
        }
        return b.append(" }").toString();
    }

    static SOARecord soa(Message m) {
        for (Record r : m.getSection(Section.ANSWER)) {
            if (r instanceof SOARecord s) {
                return s;
            }
        }
        for (Record r : m.getSection(Section.AUTHORITY)) {
            if (r instanceof SOARecord s) {
                return s;
            }
        }
        throw new AssertionError("no SOA in " + m);
    }

    static Set<String> answers(Message m) {
        Set<String> out = new TreeSet<>();
        for (Record r : m.getSection(Section.ANSWER)) {
            out.add(r.getName() + " " + r.getTTL() + " " + Type.string(r.getType()) + " " + r.rdataToString());
        }
        return out;
    }

    @Test
    void defaultsZonesFromTheServerBlockTtl5AndNoFallthrough() throws Exception {
        cluster.api().clearRequests();
        try (DiscoveryServer s = start("cluster.local:PORT", kube(""))) {
            Message m = s.ask("cluster.local.", Type.SOA);
            assertEquals(Rcode.NOERROR, m.getRcode());
            assertTrue(m.getHeader().getFlag(Flags.AA));
            SOARecord soa = soa(m);
            assertEquals(5, soa.getTTL());
            assertEquals(5, soa.getMinimum());
            assertEquals("ns.dns.cluster.local.", soa.getHost().toString());
            TXTRecord version = (TXTRecord) s.ask("dns-version.cluster.local.", Type.TXT).getSection(Section.ANSWER)
                    .getFirst();
            assertEquals(List.of("1.1.0"), version.getStrings());
            assertEquals(28800, version.getTTL());
            m = s.ask("missing.default.svc.cluster.local.", Type.A);
            assertEquals(Rcode.NXDOMAIN, m.getRcode());
            assertEquals(5, soa(m).getMinimum());
            assertEquals(Set.of("web.default.svc.cluster.local. 5 A 10.0.0.7"),
                    answers(s.ask("web.default.svc.cluster.local.", Type.A)));
            assertEquals(Set.of("10-0-0-7.web.default.svc.cluster.local. 5 A 10.0.0.7"),
                    answers(s.ask("10-0-0-7.web.default.svc.cluster.local.", Type.A)));
            assertEquals(Rcode.NXDOMAIN, s.ask("web-pod.web.default.svc.cluster.local.", Type.A).getRcode());
            assertEquals(Rcode.NXDOMAIN, s.ask("10-1-2-3.default.pod.cluster.local.", Type.A).getRcode(),
                    "pods disabled");
        }
        assertEquals(Set.of("/api/v1/namespaces", "/api/v1/services",
                "/apis/discovery.k8s.io/v1/endpointslices?kubernetes.io/service-name"),
                DiscoveryServer.listed(cluster.api()),
                "no pods without 'pods verified'");
    }

    @Test
    void zonesTtlAndFallthroughZones() throws Exception {
        try (DiscoveryServer s = start(".:PORT",
                kube(" cluster.local example.test", "ttl 3600", "fallthrough example.test"))) {
            SOARecord soa = soa(s.ask("cluster.local.", Type.SOA));
            assertEquals(300, soa.getTTL(), "the SOA record's own TTL is capped at 300");
            assertEquals(3600, soa.getMinimum());
            assertEquals("example.test.", soa(s.ask("example.test.", Type.SOA)).getName().toString());
            assertEquals(Set.of("web.default.svc.example.test. 3600 A 10.0.0.7"),
                    answers(s.ask("web.default.svc.example.test.", Type.A)));
            assertEquals(Rcode.NXDOMAIN, s.ask("missing.default.svc.cluster.local.", Type.A).getRcode());
            assertTrue(DiscoveryServer.fellThrough(s.ask("missing.default.svc.example.test.", Type.A)));
            assertTrue(DiscoveryServer.fellThrough(s.ask("www.example.org.", Type.A)), "names outside the zones go on");
            Message nodata = s.ask("web.default.svc.example.test.", Type.AAAA);
            assertEquals(Rcode.NOERROR, nodata.getRcode(), "NODATA does not fall through");
            assertTrue(answers(nodata).isEmpty());
        }
        try (DiscoveryServer s = start(".:PORT", kube(" cluster.local", "ttl 0", "fallthrough"))) {
            assertEquals(0, soa(s.ask("cluster.local.", Type.SOA)).getTTL());
            assertTrue(DiscoveryServer.fellThrough(s.ask("missing.default.svc.cluster.local.", Type.A)),
                    "bare fallthrough: every zone");
        }
    }

    @Test
    void podsModes() throws Exception {
        try (DiscoveryServer s = start("cluster.local:PORT", kube("", "pods insecure"))) {
            assertEquals(Set.of("10-1-2-3.default.pod.cluster.local. 5 A 10.1.2.3"),
                    answers(s.ask("10-1-2-3.default.pod.cluster.local.", Type.A)), "insecure answers any IP");
            assertEquals(Rcode.NXDOMAIN, s.ask("10-1-2-3.nope.pod.cluster.local.", Type.A).getRcode(),
                    "unknown namespace");
        }
        cluster.api().clearRequests();
        try (DiscoveryServer s = start("cluster.local:PORT", kube("", "pods verified"))) {
            assertEquals(Set.of("10-0-0-7.default.pod.cluster.local. 5 A 10.0.0.7"),
                    answers(s.ask("10-0-0-7.default.pod.cluster.local.", Type.A)));
            assertEquals(Rcode.NXDOMAIN, s.ask("10-1-2-3.default.pod.cluster.local.", Type.A).getRcode(),
                    "no such pod");
            assertEquals(Rcode.NXDOMAIN, s.ask("10-0-0-7.other.pod.cluster.local.", Type.A).getRcode(),
                    "pod in another ns");
        }
        assertTrue(DiscoveryServer.listed(cluster.api()).contains("/api/v1/pods"),
                DiscoveryServer.listed(cluster.api()).toString());
    }

    @Test
    void endpointPodNamesNamespacesAndNoendpoints() throws Exception {
        try (DiscoveryServer s = start("cluster.local:PORT", kube("", "endpoint_pod_names"))) {
            assertEquals(Set.of("web-pod.web.default.svc.cluster.local. 5 A 10.0.0.7"),
                    answers(s.ask("web-pod.web.default.svc.cluster.local.", Type.A)));
            assertEquals(Rcode.NXDOMAIN, s.ask("10-0-0-7.web.default.svc.cluster.local.", Type.A).getRcode());
        }
        try (DiscoveryServer s = start("cluster.local:PORT", kube("", "namespaces other"))) {
            assertEquals(Rcode.NXDOMAIN, s.ask("web.default.svc.cluster.local.", Type.A).getRcode());
            assertEquals(Rcode.NOERROR, s.ask("other.svc.cluster.local.", Type.A).getRcode(),
                    "listed namespace exists");
        }
        cluster.api().clearRequests();
        try (DiscoveryServer s = start("cluster.local:PORT", kube("", "noendpoints"))) {
            assertEquals(Rcode.NXDOMAIN, s.ask("web.default.svc.cluster.local.", Type.A).getRcode(),
                    "headless needs slices");
        }
        assertEquals(Set.of("/api/v1/namespaces", "/api/v1/services"), DiscoveryServer.listed(cluster.api()));
    }

    @Test
    void ignoreEmptyServiceHidesClusterIpServicesWithoutReadyAddresses() throws Exception {
        Port http = new Port("http", "TCP", 80);
        cluster.api().create(KubeObjects.service("default", "busy", "10.96.0.21", http));
        cluster.api()
                .create(KubeObjects.endpointSlice("default", "busy-a", Map.of(KubeObjects.SERVICE_NAME, "busy"), "IPv4",
                        List.of(Endpoint.ready("10.0.0.21")), http));
        cluster.api().create(KubeObjects.service("default", "idle", "10.96.0.22", http));
        cluster.api()
                .create(KubeObjects.endpointSlice("default", "idle-a", Map.of(KubeObjects.SERVICE_NAME, "idle"), "IPv4",
                        List.of(new Endpoint(List.of("10.0.0.22"), false, null)), http));
        cluster.api().create(KubeObjects.service("default", "empty", "10.96.0.23", http));
        try (DiscoveryServer s = start("cluster.local:PORT", kube("", "ignore empty_service"))) {
            assertEquals(Set.of("busy.default.svc.cluster.local. 5 A 10.96.0.21"),
                    answers(s.ask("busy.default.svc.cluster.local.", Type.A)));
            assertEquals(Rcode.NXDOMAIN, s.ask("idle.default.svc.cluster.local.", Type.A).getRcode(), "not-ready only");
            assertEquals(Rcode.NXDOMAIN, s.ask("empty.default.svc.cluster.local.", Type.A).getRcode(), "no slice");
            assertEquals(Rcode.NXDOMAIN, s.ask("_http._tcp.empty.default.svc.cluster.local.", Type.SRV).getRcode());
            assertEquals(Set.of("web.default.svc.cluster.local. 5 A 10.0.0.7"),
                    answers(s.ask("web.default.svc.cluster.local.", Type.A)), "headless unaffected");
        }
        try (DiscoveryServer s = start("cluster.local:PORT", kube(""))) {
            assertEquals(Set.of("empty.default.svc.cluster.local. 5 A 10.96.0.23"),
                    answers(s.ask("empty.default.svc.cluster.local.", Type.A)), "without the option");
        }
    }

    @Test
    void labelSelectorsAreSentToTheApiServer() throws Exception {
        Port http = new Port("http", "TCP", 80);
        cluster.api().create(
                KubeObjects.withLabel(KubeObjects.service("default", "picked", "10.96.0.31", http), "app", "dns"));
        cluster.api().create(KubeObjects.endpointSlice("default", "picked-a",
                Map.of(KubeObjects.SERVICE_NAME, "picked", "app", "dns"),
                "IPv4", List.of(Endpoint.ready("10.0.0.31")), http));
        cluster.api().create(KubeObjects.service("default", "plain", "10.96.0.32", http));
        cluster.api().create(KubeObjects.withLabel(KubeObjects.namespace("team"), "team", "dns"));
        cluster.api().create(KubeObjects.service("team", "api", "10.96.0.33", http));
        cluster.api().clearRequests();
        try (DiscoveryServer s = start("cluster.local:PORT", kube("", "labels app in ( dns, web ),tier!=db"))) {
            assertEquals(Set.of("picked.default.svc.cluster.local. 5 A 10.96.0.31"),
                    answers(s.ask("picked.default.svc.cluster.local.", Type.A)));
            assertEquals(Rcode.NXDOMAIN, s.ask("plain.default.svc.cluster.local.", Type.A).getRcode(), "not selected");
            assertEquals(Set.of("10-0-0-31.picked.default.svc.cluster.local. 5 A 10.0.0.31"),
                    answers(s.ask("10-0-0-31.picked.default.svc.cluster.local.", Type.A)), "its slice is selected too");
        }
        assertEquals(Set.of("/api/v1/namespaces", "/api/v1/services?app in (dns,web),tier!=db",
                "/apis/discovery.k8s.io/v1/endpointslices?kubernetes.io/service-name,app in (dns,web),tier!=db"),
                DiscoveryServer.listed(cluster.api()));
        cluster.api().clearRequests();
        try (DiscoveryServer s = start("cluster.local:PORT", kube("", "namespace_labels team=dns"))) {
            assertEquals(Set.of("api.team.svc.cluster.local. 5 A 10.96.0.33"),
                    answers(s.ask("api.team.svc.cluster.local.", Type.A)));
            assertEquals(Rcode.NXDOMAIN, s.ask("picked.default.svc.cluster.local.", Type.A).getRcode(),
                    "namespace not selected");
            assertEquals(Rcode.NXDOMAIN, s.ask("default.svc.cluster.local.", Type.A).getRcode());
        }
        assertTrue(DiscoveryServer.listed(cluster.api()).contains("/api/v1/namespaces?team=dns"),
                DiscoveryServer.listed(cluster.api()).toString());
    }

    /** Arrival times (ms after the first) of the recorded requests that pass the filter, in order. */
    static List<Long> arrivals(java.util.function.Predicate<RecordedRequest> which) {
        List<java.time.Instant> at = cluster.api().requests().stream().filter(which).map(RecordedRequest::at).sorted()
                .toList();
        return at.stream().map(t -> java.time.Duration.between(at.getFirst(), t).toMillis()).toList();
    }

    @Test
    void apiserverQpsAndBurstSpaceTheRequests() throws Exception {
        cluster.api().clearRequests();
        java.time.Instant before = java.time.Instant.now(); // the limiter is made after this, with one token
        try (DiscoveryServer s = start("cluster.local:PORT", kube("", "apiserver_qps 4", "apiserver_burst 1"))) {
            assertEquals(Rcode.NOERROR, s.ask("web.default.svc.cluster.local.", Type.A).getRcode());
            for (int i = 0; i < 100 && cluster.api().requests().size() < 6; i++) {
                Thread.sleep(50); // the watches follow the lists, each behind its token
            }
        }
        List<RecordedRequest> seen = cluster.api().requests().stream()
                .sorted(java.util.Comparator.comparing(RecordedRequest::at)).toList();
        List<Long> t = seen.stream().map(r -> java.time.Duration.between(before, r.at()).toMillis()).toList();
        String log = seen.stream().map(r -> java.time.Duration.between(before, r.at()).toMillis() + " ms "
                + r.method() + " " + r.path() + r.query() + " from port " + r.clientPort()).toList().toString();
        assertTrue(t.size() >= 6, log); // list and watch of namespaces, services, endpointslices
        for (int i = 1; i < t.size(); i++) {
            // token i is earned 250 ms * i after the limiter was made, and a request arrives after it is
            // sent. Measured from the first arrival instead, a first request delayed on its way (load)
            // made later ones look early: [0, 101, 886, ...] ms under two CPU hogs, 3 of 10 runs
            assertTrue(t.get(i) >= i * 250L, "request " + i + " at " + t.get(i) + " ms after the start: " + log);
        }
    }

    @Test
    void apiserverMaxInflightSerialisesSlowLists() throws Exception {
        cluster.api().clearRequests();
        cluster.api().delayResponses(java.time.Duration.ofMillis(400), RecordedRequest::isList);
        try (DiscoveryServer s = start("cluster.local:PORT", kube("", "apiserver_max_inflight 1"))) {
            assertEquals(Rcode.NOERROR, s.ask("web.default.svc.cluster.local.", Type.A).getRcode());
        } finally {
            cluster.api().clearFaults();
        }
        List<Long> t = arrivals(RecordedRequest::isList);
        assertTrue(t.size() >= 3, t.toString());
        for (int i = 1; i < t.size(); i++) {
            assertTrue(t.get(i) - t.get(i - 1) >= 350, "lists overlapped: " + t);
        }
    }

    @Test
    void kubeconfigContextAndStartupTimeout() throws Exception {
        String unreachable = "http://127.0.0.1:" + FreePorts.udpAndTcp();
        Path two = dir.resolve("two.kubeconfig");
        Files.writeString(two, """
                apiVersion: v1
                kind: Config
                clusters:
                - {name: down, cluster: {server: "%s"}}
                - {name: standin, cluster: {server: "%s"}}
                contexts:
                - {name: down, context: {cluster: down, user: u}}
                - {name: standin, context: {cluster: standin, user: u}}
                current-context: down
                users:
                - {name: u, user: {}}
                """.formatted(unreachable, cluster.api().url()));
        // the default startup_timeout (5 s): under load the first sync took longer than 400 ms
        String body = " kubernetes {\n  kubeconfig " + two + " standin\n }";
        try (DiscoveryServer s = start("cluster.local:PORT", body)) {
            assertTrue(s.server().server().current().readiness().getFirst().ready(), "ready once synced");
            assertEquals(Set.of("web.default.svc.cluster.local. 5 A 10.0.0.7"),
                    answers(s.ask("web.default.svc.cluster.local.", Type.A)));
        }
        long t0 = System.nanoTime();
        try (DiscoveryServer s = start("cluster.local:PORT",
                " kubernetes {\n  kubeconfig " + two + "\n  startup_timeout 400ms\n }")) {
            long waited = (System.nanoTime() - t0) / 1_000_000;
            assertTrue(waited >= 400 && waited < 4000, "waited " + waited + " ms for the unreachable current context");
            Message m = s.ask("web.default.svc.cluster.local.", Type.A);
            assertEquals(Rcode.SERVFAIL, m.getRcode(), "unsynced: a name not known yet is SERVFAIL, never NXDOMAIN");
            assertTrue(m.getHeader().getFlag(Flags.AA));
            assertEquals(Rcode.NOERROR, s.ask("cluster.local.", Type.SOA).getRcode(), "the apex is answered meanwhile");
            assertFalse(s.server().server().current().readiness().getFirst().ready(),
                    "not ready before the first sync");
        }
    }
}
