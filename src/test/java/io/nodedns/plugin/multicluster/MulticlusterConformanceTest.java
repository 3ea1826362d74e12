package io.nodedns.plugin.multicluster;

import static io.nodedns.k8stest.DnsCase.answer;
import static io.nodedns.k8stest.DnsCase.nodata;
import static io.nodedns.k8stest.DnsCase.nxdomain;
import static io.nodedns.k8stest.DnsCase.rr;
import static org.junit.jupiter.api.Assertions.assertEquals;

import com.google.gson.JsonObject;
import io.nodedns.k8s.DiscoveryBackend;
import io.nodedns.k8s.dns.DiscoveryHandler;
import io.nodedns.k8stest.DnsCase;
import io.nodedns.k8stest.KubeClients;
import io.nodedns.k8stest.KubeObjects.Endpoint;
import io.nodedns.k8stest.KubeObjects.Port;
import io.nodedns.k8stest.KubeObjects;
import io.nodedns.k8stest.StandInApiServer;
import io.nodedns.server.Handler;
import io.nodedns.testing.FreePorts;
import io.nodedns.testing.TestServer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;
import org.xbill.DNS.Type;

/**
 * clusterset.local conformance over real sockets against the real server and the stand-in API:
 * the record forms of the Multicluster Services DNS specification (KEP-1645), CoreDNS's handler scenarios and
 * each decision of docs/decisions.md (multicluster 1-10), positive and negative.
 */
class MulticlusterConformanceTest {
    static final String Z = "clusterset.local.";
    static StandInApiServer api;
    static TestServer server;
    static int port;

    static String n(String relative) {
        return relative + "." + Z;
    }

    static JsonObject mcsSlice(String ns, String name, String service, String cluster, String addressType,
            List<Endpoint> eps, Port... ports) {
        Map<String, String> labels = cluster == null
                ? Map.of(KubeObjects.MCS_SERVICE_NAME, service)
                : Map.of(KubeObjects.MCS_SERVICE_NAME, service, KubeObjects.MCS_SOURCE_CLUSTER, cluster);
        return KubeObjects.endpointSlice(ns, name, labels, addressType, eps, ports);
    }

    static JsonObject imp(String name, String type, List<String> ips, Port... ports) {
        return KubeObjects.serviceImport("v1beta1", "testns", name, type, ips, ports);
    }

    @BeforeAll
    static void start(@org.junit.jupiter.api.io.TempDir Path dir) throws Exception {
        api = StandInApiServer.builder().serviceImportVersions("v1beta1", "v1alpha1").start();
        Port http = new Port("http", "TCP", 80);
        for (String ns : List.of("testns", "kube-system", "default")) {
            api.create(KubeObjects.namespace(ns));
        }
        api.create(imp("svc1", "ClusterSetIP", List.of("10.0.0.1"), http));
        api.create(mcsSlice("testns", "svc1-a", "svc1", "clusterid", "IPv4",
                List.of(new Endpoint(List.of("172.0.0.1"), true, "ep1a")), http));
        api.create(imp("svcempty", "ClusterSetIP", List.of("10.0.0.1"), http));
        api.create(mcsSlice("testns", "svcempty-a", "svcempty", "clusterid", "IPv4", List.of(), http));
        api.create(imp("svc6", "ClusterSetIP", List.of("1234:abcd::1"), http));
        api.create(imp("svc-dual-stack", "ClusterSetIP", List.of("10.0.0.3", "10::3"), http));
        api.create(imp("hdls1", "Headless", List.of(), http));
        api.create(mcsSlice("testns", "hdls1-v4", "hdls1", "clusterid", "IPv4", List.of(
                Endpoint.ready("172.0.0.2"), Endpoint.ready("172.0.0.3"),
                new Endpoint(List.of("172.0.0.4"), true, "dup-name"),
                new Endpoint(List.of("172.0.0.5"), true, "dup-name")),
                http));
        api.create(mcsSlice("testns", "hdls1-v6", "hdls1", "clusterid", "IPv6", List.of(
                Endpoint.ready("5678:abcd::1"), Endpoint.ready("5678:abcd::2")), http));
        api.create(imp("hdlsprtls", "Headless", List.of()));
        api.create(mcsSlice("testns", "hdlsprtls-a", "hdlsprtls", "clusterid", "IPv4",
                List.of(Endpoint.ready("172.0.0.20"))));
        api.create(imp("hdls2", "Headless", List.of(), http));
        api.create(mcsSlice("testns", "hdls2-c1", "hdls2", "c1", "IPv4", List.of(Endpoint.ready("10.1.0.1")), http));
        api.create(mcsSlice("testns", "hdls2-c2", "hdls2", "c2", "IPv4", List.of(Endpoint.ready("10.2.0.1"),
                new Endpoint(List.of("10.2.0.2"), false, null)), http));
        api.create(imp("hdls6", "Headless", List.of(), http));
        api.create(mcsSlice("testns", "hdls6-a", "hdls6", "clusterid", "IPv6", List.of(Endpoint.ready("2001:db8::")),
                http));
        api.create(imp("notready", "Headless", List.of(), http));
        api.create(mcsSlice("testns", "notready-a", "notready", "clusterid", "IPv4",
                List.of(new Endpoint(List.of("10.3.0.1"), false, null)), http));
        api.create(imp("noproto", "ClusterSetIP", List.of("10.0.0.9"), new Port("dns", "", 53)));
        api.create(imp("noports", "ClusterSetIP", List.of("10.0.0.10")));
        api.create(imp("fq", "Headless", List.of(), http));
        api.create(mcsSlice("testns", "fq-a", "fq", "clusterid", "FQDN", List.of(Endpoint.ready("web.example.org")),
                http));
        api.create(imp("nocluster", "Headless", List.of(), http));
        api.create(mcsSlice("testns", "nocluster-a", "nocluster", null, "IPv4", List.of(Endpoint.ready("10.4.0.1")),
                http));
        api.create(KubeObjects.serviceImport("v1beta1", "kube-system", "kubedns", "ClusterSetIP", List.of("10.96.0.10"),
                new Port("dns", "UDP", 53)));

        Path kc = KubeClients.writeKubeconfig(dir.resolve("kubeconfig"), api.url(), "default");
        port = FreePorts.udpAndTcp();
        server = TestServer.fromText(
                ".:" + port + " {\n bind 127.0.0.1\n multicluster clusterset.local {\n  kubeconfig "
                        + kc + "\n }\n}\n",
                TestServer.registry().register("multicluster", new MulticlusterSetup(Map.of())));
    }

    @AfterAll
    static void stop() {
        if (server != null) {
            server.close();
        }
        if (api != null) {
            api.close();
        }
    }

    static List<DnsCase> cases() {
        List<DnsCase> c = new ArrayList<>();
        String svc1 = n("svc1.testns.svc");
        String hdls1 = n("hdls1.testns.svc");
        // 1.2 ClusterSetIP
        c.add(answer("ClusterSetIP A", svc1, Type.A, rr(svc1, 5, "A", "10.0.0.1")));
        c.add(answer("ClusterSetIP without endpoints still answers", n("svcempty.testns.svc"), Type.A,
                rr(n("svcempty.testns.svc"), 5, "A", "10.0.0.1")));
        c.add(answer("ClusterSetIP AAAA", n("svc6.testns.svc"), Type.AAAA,
                rr(n("svc6.testns.svc"), 5, "AAAA", "1234:abcd::1")));
        c.add(nodata("IPv4-only import, AAAA", svc1, Type.AAAA));
        c.add(answer("dual stack A", n("svc-dual-stack.testns.svc"), Type.A,
                rr(n("svc-dual-stack.testns.svc"), 5, "A", "10.0.0.3")));
        c.add(answer("dual stack AAAA", n("svc-dual-stack.testns.svc"), Type.AAAA,
                rr(n("svc-dual-stack.testns.svc"), 5, "AAAA", "10::3")));
        // 1.5 SRV
        c.add(answer("SRV on the plain name", svc1, Type.SRV, rr(svc1, 5, "SRV", "0 100 80 " + svc1))
                .withAdditional(rr(svc1, 5, "A", "10.0.0.1")));
        c.add(answer("SRV _http._tcp", n("_http._tcp.svc1.testns.svc"), Type.SRV,
                rr(n("_http._tcp.svc1.testns.svc"), 5, "SRV", "0 100 80 " + svc1))
                .withAdditional(rr(svc1, 5, "A", "10.0.0.1")));
        c.add(answer("SRV for a ClusterSetIP without endpoints", n("_http._tcp.svcempty.testns.svc"), Type.SRV,
                rr(n("_http._tcp.svcempty.testns.svc"), 5, "SRV", "0 100 80 " + n("svcempty.testns.svc"))));
        c.add(answer("SRV with AAAA glue", n("svc6.testns.svc"), Type.SRV,
                rr(n("svc6.testns.svc"), 5, "SRV", "0 100 80 " + n("svc6.testns.svc")))
                .withAdditional(rr(n("svc6.testns.svc"), 5, "AAAA", "1234:abcd::1")));
        c.add(answer("dual stack SRV: one record, weight 50, both glues", n("svc-dual-stack.testns.svc"), Type.SRV,
                rr(n("svc-dual-stack.testns.svc"), 5, "SRV", "0 50 80 " + n("svc-dual-stack.testns.svc")))
                .withAdditional(rr(n("svc-dual-stack.testns.svc"), 5, "A", "10.0.0.3"),
                        rr(n("svc-dual-stack.testns.svc"), 5, "AAAA", "10::3")));
        c.add(nxdomain("no matching port", n("_ftp._tcp.svc1.testns.svc"), Type.SRV));
        c.add(nxdomain("no matching protocol", n("_http._udp.svc1.testns.svc"), Type.SRV));
        c.add(answer("A on _port._proto answers the service IPs", n("_http._tcp.svc1.testns.svc"), Type.A,
                rr(n("_http._tcp.svc1.testns.svc"), 5, "A", "10.0.0.1")));
        // 1.3 headless
        c.add(answer("headless A: every ready endpoint", hdls1, Type.A, rr(hdls1, 5, "A", "172.0.0.2"),
                rr(hdls1, 5, "A", "172.0.0.3"), rr(hdls1, 5, "A", "172.0.0.4"), rr(hdls1, 5, "A", "172.0.0.5")));
        c.add(answer("headless AAAA", hdls1, Type.AAAA, rr(hdls1, 5, "AAAA", "5678:abcd::1"),
                rr(hdls1, 5, "AAAA", "5678:abcd::2")));
        c.add(answer("headless without ports answers A", n("hdlsprtls.testns.svc"), Type.A,
                rr(n("hdlsprtls.testns.svc"), 5, "A", "172.0.0.20")));
        c.add(answer("headless across clusters", n("hdls2.testns.svc"), Type.A,
                rr(n("hdls2.testns.svc"), 5, "A", "10.1.0.1"),
                rr(n("hdls2.testns.svc"), 5, "A", "10.2.0.1")));
        c.add(nxdomain("headless with no ready endpoint", n("notready.testns.svc"), Type.A));
        String srvTargets = "clusterid.hdls1.testns.svc." + Z;
        c.add(answer("headless SRV: one per endpoint, duplicates dropped, weight 100/6",
                n("_http._tcp.hdls1.testns.svc"),
                Type.SRV,
                rr(n("_http._tcp.hdls1.testns.svc"), 5, "SRV", "0 16 80 172-0-0-2." + srvTargets),
                rr(n("_http._tcp.hdls1.testns.svc"), 5, "SRV", "0 16 80 172-0-0-3." + srvTargets),
                rr(n("_http._tcp.hdls1.testns.svc"), 5, "SRV", "0 16 80 dup-name." + srvTargets),
                rr(n("_http._tcp.hdls1.testns.svc"), 5, "SRV", "0 16 80 5678-abcd--1." + srvTargets),
                rr(n("_http._tcp.hdls1.testns.svc"), 5, "SRV", "0 16 80 5678-abcd--2." + srvTargets))
                .withAdditional(rr("172-0-0-2." + srvTargets, 5, "A", "172.0.0.2"),
                        rr("172-0-0-3." + srvTargets, 5, "A", "172.0.0.3"),
                        rr("dup-name." + srvTargets, 5, "A", "172.0.0.4"),
                        rr("dup-name." + srvTargets, 5, "A", "172.0.0.5"),
                        rr("5678-abcd--1." + srvTargets, 5, "AAAA", "5678:abcd::1"),
                        rr("5678-abcd--2." + srvTargets, 5, "AAAA", "5678:abcd::2")));
        // 1.4 per-cluster hostnames
        c.add(answer("dashed IPv4 hostname", n("172-0-0-2.clusterid.hdls1.testns.svc"), Type.A,
                rr(n("172-0-0-2.clusterid.hdls1.testns.svc"), 5, "A", "172.0.0.2")));
        c.add(answer("one hostname, two IPs", n("dup-name.clusterid.hdls1.testns.svc"), Type.A,
                rr(n("dup-name.clusterid.hdls1.testns.svc"), 5, "A", "172.0.0.4"),
                rr(n("dup-name.clusterid.hdls1.testns.svc"), 5, "A", "172.0.0.5")));
        c.add(answer("dashed IPv6 hostname", n("5678-abcd--1.clusterid.hdls1.testns.svc"), Type.AAAA,
                rr(n("5678-abcd--1.clusterid.hdls1.testns.svc"), 5, "AAAA", "5678:abcd::1")));
        c.add(answer("hostname on a headless import without ports", n("172-0-0-20.clusterid.hdlsprtls.testns.svc"),
                Type.A,
                rr(n("172-0-0-20.clusterid.hdlsprtls.testns.svc"), 5, "A", "172.0.0.20")));
        c.add(answer("hostname in its own cluster", n("10-1-0-1.c1.hdls2.testns.svc"), Type.A,
                rr(n("10-1-0-1.c1.hdls2.testns.svc"), 5, "A", "10.1.0.1")));
        c.add(nxdomain("hostname of another cluster", n("10-1-0-1.c2.hdls2.testns.svc"), Type.A));
        c.add(nxdomain("not-ready endpoint has no hostname record", n("10-2-0-2.c2.hdls2.testns.svc"), Type.A));
        c.add(nxdomain("clusterid alone is reserved", n("clusterid.hdls1.testns.svc"), Type.A));
        c.add(nxdomain("unknown endpoint", n("bogusendpoint.clusterid.hdls1.testns.svc"), Type.A));
        c.add(nxdomain("three extra labels", n("a.b.clusterid.hdls1.testns.svc"), Type.A));
        c.add(nodata("hostname exists, AAAA asked", n("172-0-0-2.clusterid.hdls1.testns.svc"), Type.AAAA));
        // existence, NXDOMAIN vs NODATA (1.9)
        c.add(nxdomain("missing import", n("svc0.testns.svc"), Type.A));
        c.add(nxdomain("missing import, AAAA", n("svc0.testns.svc"), Type.AAAA));
        c.add(nxdomain("missing namespace", n("svc1.nsnoexist.svc"), Type.A));
        c.add(nxdomain("unknown kind label", n("svc1.testns.pood"), Type.A));
        c.add(nxdomain("a name outside svc", n("foo"), Type.A));
        c.add(nodata("svc.Z is an empty non-terminal", n("svc"), Type.A));
        c.add(nodata("pod.Z is an empty non-terminal", n("pod"), Type.A));
        c.add(nodata("namespace is an empty non-terminal", n("testns.svc"), Type.A));
        c.add(nodata("a namespace without imports exists", n("default.svc"), Type.A));
        c.add(nodata("MX on an import", svc1, Type.MX));
        c.add(nxdomain("MX on a missing import", n("svc0.testns.svc"), Type.MX));
        // TXT (1.7) and decisions 1-2
        c.add(answer("decision 1: dns-version is the MCS spec's 1.0.0", n("dns-version"), Type.TXT,
                rr(n("dns-version"), 28800, "TXT", "\"1.0.0\"")));
        c.add(nodata("decision 2: A on dns-version is NODATA", n("dns-version"), Type.A));
        c.add(nodata("decision 2: TXT on an empty non-terminal is NODATA", n("testns.svc"), Type.TXT));
        c.add(nodata("decision 2: TXT on the apex is NODATA", Z, Type.TXT));
        c.add(nodata("TXT on an import", svc1, Type.TXT));
        c.add(nxdomain("TXT on a missing import", n("svc0.testns.svc"), Type.TXT));
        // apex (1.8) and decisions 3-4
        c.add(answer("decision 3: NS at the apex", Z, Type.NS, rr(Z, 5, "NS", "ns.dns." + Z))
                .withAdditional(rr("ns.dns." + Z, 5, "A", "127.0.0.1")));
        c.add(nodata("A at the apex", Z, Type.A));
        c.add(nodata("SOA below the apex on an existing name", svc1, Type.SOA));
        c.add(nxdomain("decision 4: SOA on a missing name is NXDOMAIN", n("svc0.testns.svc"), Type.SOA));
        c.add(nodata("NS below the apex", svc1, Type.NS));
        // decisions 5-10
        c.add(nxdomain("decision 5: no pod records under clusterset", n("svc1.testns.pod"), Type.A));
        c.add(nxdomain("decision 5: dashed pod IP under clusterset", n("10-0-0-1.testns.pod"), Type.A));
        c.add(answer("decision 6: empty port protocol is TCP", n("_dns._tcp.noproto.testns.svc"), Type.SRV,
                rr(n("_dns._tcp.noproto.testns.svc"), 5, "SRV", "0 100 53 " + n("noproto.testns.svc"))));
        c.add(nxdomain("decision 6: ... and not UDP", n("_dns._udp.noproto.testns.svc"), Type.SRV));
        c.add(answer("decision 7: ClusterSetIP without ports answers A", n("noports.testns.svc"), Type.A,
                rr(n("noports.testns.svc"), 5, "A", "10.0.0.10")));
        c.add(nodata("decision 7: ... and SRV is NODATA", n("noports.testns.svc"), Type.SRV));
        c.add(nxdomain("decision 8: no hostname records for ClusterSetIP imports", n("ep1a.clusterid.svc1.testns.svc"),
                Type.A));
        c.add(answer("decision 9: IPv6 dashed name ending in '-' gets '0'", n("2001-db8--0.clusterid.hdls6.testns.svc"),
                Type.AAAA, rr(n("2001-db8--0.clusterid.hdls6.testns.svc"), 5, "AAAA", "2001:db8::")));
        c.add(nxdomain("decision 10: FQDN slices are ignored", n("fq.testns.svc"), Type.A));
        c.add(nxdomain("decision 10: slices without a source cluster are ignored", n("nocluster.testns.svc"), Type.A));
        // case (1.11)
        String mixed = "SVC1.TestNS.svc.ClusterSet.LOCAL.";
        c.add(answer("owner keeps the query's case; SRV target keeps the zone's case", mixed, Type.SRV,
                rr(mixed, 5, "SRV", "0 100 80 svc1.testns.svc.ClusterSet.LOCAL.")));
        c.add(answer("another namespace", n("kubedns.kube-system.svc"), Type.A,
                rr(n("kubedns.kube-system.svc"), 5, "A", "10.96.0.10")));
        return c;
    }

    @TestFactory
    Stream<DynamicTest> conformance() {
        List<DnsCase> all = cases();
        System.out.println("[TEST] multicluster conformance cases: " + all.size());
        return all.stream().map(c -> c.test(port));
    }

    @Test
    void soaAtTheApex() throws Exception {
        org.xbill.DNS.Message r;
        try (io.nodedns.testing.DnsClient client = new io.nodedns.testing.DnsClient(port)) {
            r = client.udp(io.nodedns.testing.DnsClient.query("ClusterSet.Local.", Type.SOA));
        }
        org.xbill.DNS.SOARecord soa = (org.xbill.DNS.SOARecord) r.getSection(org.xbill.DNS.Section.ANSWER).getFirst();
        assertEquals("ClusterSet.Local.", soa.getName().toString());
        assertEquals("ns.dns.ClusterSet.Local.", soa.getHost().toString());
        assertEquals("hostmaster.ClusterSet.Local.", soa.getAdmin().toString());
        assertEquals(5, soa.getTTL());
        assertEquals(List.of(7200L, 1800L, 86400L, 5L),
                List.of(soa.getRefresh(), soa.getRetry(), soa.getExpire(), soa.getMinimum()));
        long now = System.currentTimeMillis() / 1000;
        org.junit.jupiter.api.Assertions.assertTrue(soa.getSerial() > now - 600 && soa.getSerial() <= now,
                "serial is the unix time of the last change: " + soa.getSerial());
    }

    @Test
    void ignoredSlicesAreCountedAndTheNewestServedVersionIsWatched() {
        DiscoveryBackend b = handler().backend();
        assertEquals(2, b.ignoredMulticlusterSlices());
        assertEquals("v1beta1", b.serviceImportVersion());
        io.nodedns.k8s.DiscoveryRegistry registry = server.server().shared().state(io.nodedns.k8s.DiscoveryRegistry.KEY,
                k -> {
                    throw new AssertionError("no registry");
                });
        var values = io.nodedns.testing.MetricValues.of(List.of(new io.nodedns.k8s.dns.DiscoveryMetrics(registry)));
        assertEquals(2.0, values.value("coredns_multicluster_ignored_endpointslices"),
                "decision 10: the ignored slices are counted in a metric");
    }

    static DiscoveryHandler handler() {
        for (Handler h : server.server().current().configs().getFirst().handlers()) {
            if (h instanceof DiscoveryHandler d) {
                return d;
            }
        }
        throw new AssertionError("no multicluster handler");
    }
}
