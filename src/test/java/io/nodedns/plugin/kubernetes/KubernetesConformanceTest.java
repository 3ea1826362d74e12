package io.nodedns.plugin.kubernetes;

import static io.nodedns.k8stest.DnsCase.answer;
import static io.nodedns.k8stest.DnsCase.nodata;
import static io.nodedns.k8stest.DnsCase.nxdomain;
import static io.nodedns.k8stest.DnsCase.rr;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import io.nodedns.k8stest.DnsCase;
import io.nodedns.k8stest.KubeClients;
import io.nodedns.k8stest.KubeObjects.Endpoint;
import io.nodedns.k8stest.KubeObjects.Port;
import io.nodedns.k8stest.KubeObjects;
import io.nodedns.k8stest.StandInApiServer;
import io.nodedns.testing.DnsClient;
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
import org.xbill.DNS.Message;
import org.xbill.DNS.Rcode;
import org.xbill.DNS.Section;
import org.xbill.DNS.Type;

/**
 * cluster.local conformance (the Kubernetes DNS specification 1.1.0 and CoreDNS's plugin/kubernetes) over real
 * sockets against four servers on one stand-in API: defaults with {@code pods insecure} and reverse
 * zones; {@code pods verified} with {@code endpoint_pod_names}, {@code namespaces} and {@code ttl};
 * {@code pods disabled} with {@code fallthrough}; and {@code noendpoints}.
 */
class KubernetesConformanceTest {
    static final String Z = "cluster.local.";
    static StandInApiServer api;
    static final List<TestServer> servers = new ArrayList<>();
    static int insecure;
    static int verified;
    static int disabled;
    static int noEndpoints;

    static String n(String relative) {
        return relative + "." + Z;
    }

    static JsonObject headless(String ns, String name, Port... ports) {
        JsonObject s = KubeObjects.service(ns, name, "None", ports);
        return s;
    }

    @BeforeAll
    static void start(@org.junit.jupiter.api.io.TempDir Path dir) throws Exception {
        api = StandInApiServer.builder().start();
        Port http = new Port("http", "TCP", 80);
        Port dns = new Port("dns", "UDP", 53);
        for (String ns : List.of("testns", "kube-system", "default")) {
            api.create(KubeObjects.namespace(ns));
        }
        api.create(KubeObjects.service("testns", "svc1", "10.96.0.1", http, dns));
        api.create(KubeObjects.service("testns", "svc6", "fd00::1", http));
        JsonObject dual = KubeObjects.service("testns", "dual", "10.96.0.3", http);
        JsonArray ips = new JsonArray();
        ips.add("10.96.0.3");
        ips.add("fd00::3");
        dual.getAsJsonObject("spec").add("clusterIPs", ips);
        api.create(dual);
        api.create(headless("testns", "hdls", http));
        JsonObject slice = KubeObjects.endpointSlice("testns", "hdls-a", Map.of(KubeObjects.SERVICE_NAME, "hdls"),
                "IPv4",
                List.of(new Endpoint(List.of("10.0.1.1"), true, "web-0"), Endpoint.ready("10.0.1.2"),
                        new Endpoint(List.of("10.0.1.3"), false, null)),
                http);
        api.create(KubeObjects.withPodRef(slice, 1, "hdls-pod-b"));
        JsonObject ext = KubeObjects.service("testns", "ext", "", http);
        ext.getAsJsonObject("spec").addProperty("type", "ExternalName");
        ext.getAsJsonObject("spec").addProperty("externalName", "example.org");
        ext.getAsJsonObject("spec").remove("clusterIP");
        api.create(ext);
        api.create(headless("testns", "empty", http));
        api.create(KubeObjects.service("kube-system", "kube-dns", "10.96.0.10", dns));
        api.create(KubeObjects.serviceSlice("kube-system", "kube-dns-a", "kube-dns", "10.0.2.1"));
        api.create(KubeObjects.pod("testns", "app", "node-1", "10.0.3.1"));

        Path kc = KubeClients.writeKubeconfig(dir.resolve("kubeconfig"), api.url(), "default");
        insecure = serve(
                "kubernetes cluster.local in-addr.arpa ip6.arpa {\n  kubeconfig " + kc + "\n  pods insecure\n }\n");
        verified = serve("kubernetes cluster.local {\n  kubeconfig " + kc + "\n  pods verified\n  endpoint_pod_names\n"
                + "  namespaces testns default\n  ttl 30\n }\n");
        disabled = serve(
                "kubernetes cluster.local {\n  kubeconfig " + kc + "\n  fallthrough\n }\n marker fell-through\n");
        noEndpoints = serve("kubernetes cluster.local {\n  kubeconfig " + kc + "\n  noendpoints\n }\n");
    }

    static int serve(String plugins) throws Exception {
        int port = FreePorts.udpAndTcp();
        servers.add(TestServer.fromText(".:" + port + " {\n bind 127.0.0.1\n " + plugins + "}\n",
                TestServer.registry().register("kubernetes", new KubernetesSetup(Map.of()))));
        return port;
    }

    @AfterAll
    static void stop() {
        servers.forEach(TestServer::close);
        if (api != null) {
            api.close();
        }
    }

    static List<DnsCase> defaults() {
        List<DnsCase> c = new ArrayList<>();
        String svc1 = n("svc1.testns.svc");
        String hdls = n("hdls.testns.svc");
        c.add(answer("ClusterIP A", svc1, Type.A, rr(svc1, 5, "A", "10.96.0.1")));
        c.add(nodata("ClusterIP without IPv6, AAAA", svc1, Type.AAAA));
        c.add(answer("ClusterIP AAAA", n("svc6.testns.svc"), Type.AAAA,
                rr(n("svc6.testns.svc"), 5, "AAAA", "fd00::1")));
        c.add(answer("dual-stack A", n("dual.testns.svc"), Type.A, rr(n("dual.testns.svc"), 5, "A", "10.96.0.3")));
        c.add(answer("dual-stack AAAA", n("dual.testns.svc"), Type.AAAA,
                rr(n("dual.testns.svc"), 5, "AAAA", "fd00::3")));
        c.add(answer("SRV _port._proto", n("_http._tcp.svc1.testns.svc"), Type.SRV,
                rr(n("_http._tcp.svc1.testns.svc"), 5, "SRV", "0 100 80 " + svc1))
                .withAdditional(rr(svc1, 5, "A", "10.96.0.1")));
        c.add(answer("SRV port.proto without underscores (CoreDNS)", n("dns.udp.svc1.testns.svc"), Type.SRV,
                rr(n("dns.udp.svc1.testns.svc"), 5, "SRV", "0 100 53 " + svc1)));
        c.add(answer("SRV on the plain name: every port", svc1, Type.SRV, rr(svc1, 5, "SRV", "0 50 80 " + svc1),
                rr(svc1, 5, "SRV", "0 50 53 " + svc1)).withAdditional(rr(svc1, 5, "A", "10.96.0.1")));
        c.add(nxdomain("SRV with no matching port", n("_ftp._tcp.svc1.testns.svc"), Type.SRV));
        c.add(answer("headless A: ready endpoints only", hdls, Type.A, rr(hdls, 5, "A", "10.0.1.1"),
                rr(hdls, 5, "A", "10.0.1.2")));
        c.add(answer("endpoint by hostname", n("web-0.hdls.testns.svc"), Type.A,
                rr(n("web-0.hdls.testns.svc"), 5, "A", "10.0.1.1")));
        c.add(answer("endpoint by dashed IP", n("10-0-1-2.hdls.testns.svc"), Type.A,
                rr(n("10-0-1-2.hdls.testns.svc"), 5, "A", "10.0.1.2")));
        c.add(nxdomain("not-ready endpoint", n("10-0-1-3.hdls.testns.svc"), Type.A));
        c.add(nxdomain("pod name without endpoint_pod_names", n("hdls-pod-b.hdls.testns.svc"), Type.A));
        c.add(answer("headless SRV: endpoint x port", n("_http._tcp.hdls.testns.svc"), Type.SRV,
                rr(n("_http._tcp.hdls.testns.svc"), 5, "SRV", "0 50 80 " + n("web-0.hdls.testns.svc")),
                rr(n("_http._tcp.hdls.testns.svc"), 5, "SRV", "0 50 80 " + n("10-0-1-2.hdls.testns.svc")))
                .withAdditional(rr(n("web-0.hdls.testns.svc"), 5, "A", "10.0.1.1"),
                        rr(n("10-0-1-2.hdls.testns.svc"), 5, "A", "10.0.1.2")));
        c.add(answer("endpoint name of a ClusterIP service (CoreDNS)", n("10-0-2-1.kube-dns.kube-system.svc"), Type.A,
                rr(n("10-0-2-1.kube-dns.kube-system.svc"), 5, "A", "10.0.2.1")));
        c.add(nxdomain("headless without endpoints", n("empty.testns.svc"), Type.A));
        c.add(answer("ExternalName: CNAME for A", n("ext.testns.svc"), Type.A,
                rr(n("ext.testns.svc"), 5, "CNAME", "example.org.")));
        c.add(answer("ExternalName: CNAME", n("ext.testns.svc"), Type.CNAME,
                rr(n("ext.testns.svc"), 5, "CNAME", "example.org.")));
        c.add(nxdomain("no SRV for ExternalName ports", n("_http._tcp.ext.testns.svc"), Type.SRV));
        c.add(answer("PTR of a ClusterIP", "1.0.96.10.in-addr.arpa.", Type.PTR,
                rr("1.0.96.10.in-addr.arpa.", 5, "PTR", svc1)));
        c.add(answer("PTR of a headless endpoint", "1.1.0.10.in-addr.arpa.", Type.PTR,
                rr("1.1.0.10.in-addr.arpa.", 5, "PTR", n("web-0.hdls.testns.svc"))));
        c.add(answer("PTR of a ClusterIP service's endpoint", "1.2.0.10.in-addr.arpa.", Type.PTR,
                rr("1.2.0.10.in-addr.arpa.", 5, "PTR", n("10-0-2-1.kube-dns.kube-system.svc"))));
        String v6 = "1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.d.f.ip6.arpa.";
        c.add(answer("PTR of an IPv6 ClusterIP", v6, Type.PTR, rr(v6, 5, "PTR", n("svc6.testns.svc"))));
        c.add(nxdomain("PTR of an unknown IP", "9.9.9.10.in-addr.arpa.", Type.PTR));
        c.add(nodata("reverse zone apex", "in-addr.arpa.", Type.PTR));
        c.add(nxdomain("partial reverse name", "10.in-addr.arpa.", Type.PTR));
        c.add(answer("pods insecure: any IP in an existing namespace", n("10-0-9-9.testns.pod"), Type.A,
                rr(n("10-0-9-9.testns.pod"), 5, "A", "10.0.9.9")));
        c.add(answer("pods insecure: IPv6 pod name", n("fd00--9.testns.pod"), Type.AAAA,
                rr(n("fd00--9.testns.pod"), 5, "AAAA", "fd00::9")));
        c.add(nxdomain("pod label that is no IP", n("web.testns.pod"), Type.A));
        c.add(nxdomain("pod in a missing namespace", n("10-0-9-9.nons.pod"), Type.A));
        c.add(nodata("namespace under pod", n("testns.pod"), Type.A));
        c.add(answer("dns-version 1.1.0", n("dns-version"), Type.TXT, rr(n("dns-version"), 28800, "TXT", "\"1.1.0\"")));
        c.add(answer("NS at the apex", Z, Type.NS, rr(Z, 5, "NS", "ns.dns." + Z))
                .withAdditional(rr("ns.dns." + Z, 5, "A", "127.0.0.1")));
        c.add(answer("ns.dns.Z is the server", n("ns.dns"), Type.A, rr(n("ns.dns"), 5, "A", "127.0.0.1")));
        c.add(nxdomain("missing service", n("svc0.testns.svc"), Type.A));
        c.add(nxdomain("missing namespace", n("svc1.nons.svc"), Type.A));
        c.add(nodata("namespace is an empty non-terminal", n("testns.svc"), Type.A));
        c.add(nodata("svc.Z", n("svc"), Type.A));
        c.add(nxdomain("unknown kind label", n("svc1.testns.foo"), Type.A));
        c.add(nxdomain("too many labels", n("a.b.c.svc1.testns.svc"), Type.A));
        c.add(nodata("TXT on a service", svc1, Type.TXT));
        c.add(answer("owner and targets keep the query's case", "_HTTP._tcp.Svc1.TestNS.svc.Cluster.Local.", Type.SRV,
                rr("_HTTP._tcp.Svc1.TestNS.svc.Cluster.Local.", 5, "SRV", "0 100 80 svc1.testns.svc.Cluster.Local.")));
        return c;
    }

    static List<DnsCase> verifiedCases() {
        List<DnsCase> c = new ArrayList<>();
        c.add(answer("pods verified: an existing pod", n("10-0-3-1.testns.pod"), Type.A,
                rr(n("10-0-3-1.testns.pod"), 30, "A", "10.0.3.1")));
        c.add(nxdomain("pods verified: no such pod", n("10-0-9-9.testns.pod"), Type.A));
        c.add(answer("endpoint_pod_names", n("hdls-pod-b.hdls.testns.svc"), Type.A,
                rr(n("hdls-pod-b.hdls.testns.svc"), 30, "A", "10.0.1.2")));
        c.add(nxdomain("endpoint_pod_names replaces the dashed IP", n("10-0-1-2.hdls.testns.svc"), Type.A));
        c.add(answer("hostname still wins over the pod name", n("web-0.hdls.testns.svc"), Type.A,
                rr(n("web-0.hdls.testns.svc"), 30, "A", "10.0.1.1")));
        c.add(nxdomain("namespaces: others are hidden", n("kube-dns.kube-system.svc"), Type.A));
        c.add(answer("ttl 30", n("svc1.testns.svc"), Type.A, rr(n("svc1.testns.svc"), 30, "A", "10.96.0.1")));
        return c;
    }

    static List<DnsCase> disabledCases() {
        List<DnsCase> c = new ArrayList<>();
        c.add(nodata("NODATA never falls through", n("svc1.testns.svc"), Type.AAAA));
        c.add(answer("positive answers do not fall through", n("svc1.testns.svc"), Type.A,
                rr(n("svc1.testns.svc"), 5, "A", "10.96.0.1")));
        return c;
    }

    static List<DnsCase> noEndpointCases() {
        List<DnsCase> c = new ArrayList<>();
        c.add(answer("noendpoints: ClusterIP works", n("svc1.testns.svc"), Type.A,
                rr(n("svc1.testns.svc"), 5, "A", "10.96.0.1")));
        c.add(nxdomain("noendpoints: headless has no records", n("hdls.testns.svc"), Type.A));
        c.add(nxdomain("noendpoints: no endpoint names", n("web-0.hdls.testns.svc"), Type.A));
        return c;
    }

    @TestFactory
    Stream<DynamicTest> conformance() {
        List<DynamicTest> tests = new ArrayList<>();
        defaults().forEach(c -> tests.add(c.test(insecure)));
        verifiedCases().forEach(c -> tests.add(c.test(verified)));
        disabledCases().forEach(c -> tests.add(c.test(disabled)));
        noEndpointCases().forEach(c -> tests.add(c.test(noEndpoints)));
        System.out.println("[TEST] kubernetes conformance cases: " + tests.size());
        return tests.stream();
    }

    @Test
    void podsDisabledAndFallthrough() throws Exception {
        try (DnsClient client = new DnsClient(disabled)) {
            Message r = client.udp(DnsClient.query(n("10-0-3-1.testns.pod"), Type.TXT));
            assertEquals("fell-through", r.getSection(Section.ANSWER).getFirst().rdataToString(),
                    "pods disabled: no pod records, NXDOMAIN falls through\n" + r);
            r = client.udp(DnsClient.query(n("svc0.testns.svc"), Type.A));
            assertEquals(Type.TXT, r.getSection(Section.ANSWER).getFirst().getType(),
                    "missing names fall through\n" + r);
        }
    }

    @Test
    void zoneTransfersAreRefused() throws Exception {
        try (DnsClient client = new DnsClient(insecure)) {
            Message r = client.tcp(DnsClient.query(Z, Type.AXFR));
            assertEquals(Rcode.REFUSED, r.getRcode());
        }
    }

    @Test
    void namesOutsideTheZonesAreNotAnswered() throws Exception {
        try (DnsClient client = new DnsClient(insecure)) {
            Message r = client.udp(DnsClient.query("example.org.", Type.A));
            assertEquals(Rcode.SERVFAIL, r.getRcode(), "outside the plugin's zones with no next plugin (CoreDNS)");
        }
        try (DnsClient client = new DnsClient(disabled)) {
            Message r = client.udp(DnsClient.query("example.org.", Type.A));
            assertTrue(r.getRcode() == Rcode.NOERROR && r.getSection(Section.ANSWER).getFirst().getType() == Type.TXT,
                    "outside cluster.local the next plugin answers\n" + r);
        }
    }
}
