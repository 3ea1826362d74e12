package io.nodedns.plugin.k8sexternal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import io.nodedns.k8stest.DiscoveryServer;
import io.nodedns.k8stest.KubeObjects;
import io.nodedns.k8stest.KubeObjects.Endpoint;
import io.nodedns.k8stest.KubeObjects.Port;
import io.nodedns.k8stest.StandInCluster;
import io.nodedns.plugin.kubernetes.KubernetesSetup;
import io.nodedns.server.PluginRegistry;
import io.nodedns.testing.SetupErrors;
import io.nodedns.testing.TestServer;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.xbill.DNS.Flags;
import org.xbill.DNS.Message;
import org.xbill.DNS.Rcode;
import org.xbill.DNS.Record;
import org.xbill.DNS.SOARecord;
import org.xbill.DNS.Section;
import org.xbill.DNS.Type;

/** k8s_external over real sockets, answering from a stand-in API server's Services (CoreDNS's README cases). */
class K8sExternalTest {
    static final Port HTTP = new Port("http", "TCP", 80);
    @RegisterExtension
    static final StandInCluster cluster = StandInCluster.of(KubeObjects.namespace("default"),
            external(KubeObjects.service("default", "lb", "10.96.0.10", HTTP), List.of("192.0.2.20"),
                    List.of("192.0.2.10")),
            external(KubeObjects.service("default", "named", "10.96.0.11", HTTP), List.of(), List.of("lb.example.net")),
            KubeObjects.service("default", "plain", "10.96.0.12", HTTP),
            KubeObjects.service("default", "hl", "None", HTTP),
            KubeObjects.endpointSlice("default", "hl-a", Map.of(KubeObjects.SERVICE_NAME, "hl"), "IPv4",
                    List.of(new Endpoint(List.of("10.0.0.7"), true, "web-0")), HTTP));

    /** The Service with spec.externalIPs and status.loadBalancer.ingress (an "ip" or a "hostname" each). */
    static JsonObject external(JsonObject svc, List<String> externalIps, List<String> ingress) {
        JsonArray ips = new JsonArray();
        externalIps.forEach(ips::add);
        svc.getAsJsonObject("spec").add("externalIPs", ips);
        JsonArray in = new JsonArray();
        for (String i : ingress) {
            JsonObject o = new JsonObject();
            o.addProperty(Character.isDigit(i.charAt(0)) ? "ip" : "hostname", i);
            in.add(o);
        }
        JsonObject lb = new JsonObject();
        lb.add("ingress", in);
        JsonObject status = new JsonObject();
        status.add("loadBalancer", lb);
        svc.add("status", status);
        return svc;
    }

    static PluginRegistry registry() {
        return TestServer.registry().register("kubernetes", new KubernetesSetup(Map.of()));
    }

    static DiscoveryServer start(String external) throws Exception {
        return DiscoveryServer.start(".:PORT",
                " kubernetes cluster.local {\n  kubeconfig " + cluster.kubeconfig() + "\n }\n " + external,
                registry());
    }

    static Set<String> section(Message m, int section) {
        Set<String> out = new TreeSet<>();
        for (Record r : m.getSection(section)) {
            out.add(r.getName() + " " + r.getTTL() + " " + Type.string(r.getType()) + " " + r.rdataToString());
        }
        return out;
    }

    static SOARecord soa(Message m) {
        return (SOARecord) m.getSection(Section.AUTHORITY).getFirst();
    }

    @Test
    void externalAndLoadBalancerAddressesSrvAndNodata() throws Exception {
        try (DiscoveryServer s = start("k8s_external example.org")) {
            Message m = s.ask("lb.default.example.org.", Type.A);
            assertTrue(m.getHeader().getFlag(Flags.AA));
            assertEquals(Set.of("lb.default.example.org. 5 A 192.0.2.10", "lb.default.example.org. 5 A 192.0.2.20"),
                    section(m, Section.ANSWER));
            m = s.ask("_http._tcp.lb.default.example.org.", Type.SRV);
            assertEquals(Set.of("_http._tcp.lb.default.example.org. 5 SRV 0 50 80 lb.default.example.org."),
                    section(m, Section.ANSWER));
            assertEquals(Set.of("lb.default.example.org. 5 A 192.0.2.10", "lb.default.example.org. 5 A 192.0.2.20"),
                    section(m, Section.ADDITIONAL));
            assertEquals(Rcode.NXDOMAIN, s.ask("_dns._udp.lb.default.example.org.", Type.SRV).getRcode(),
                    "no such port");
            for (int type : new int[]{Type.AAAA, Type.TXT}) {
                m = s.ask("lb.default.example.org.", type);
                assertEquals(Rcode.NOERROR, m.getRcode(), "NODATA for " + Type.string(type));
                assertEquals(0, m.getSection(Section.ANSWER).size());
                assertEquals("ns1.dns.example.org.", soa(m).getHost().toString());
                assertEquals("hostmaster.dns.example.org.", soa(m).getAdmin().toString());
                assertEquals(5, soa(m).getMinimum());
            }
            assertEquals(Rcode.NXDOMAIN, s.ask("plain.default.example.org.", Type.A).getRcode(), "no external IP");
            assertEquals(Rcode.NXDOMAIN, s.ask("missing.default.example.org.", Type.A).getRcode());
            assertEquals(Rcode.NXDOMAIN, s.ask("hl.default.example.org.", Type.A).getRcode(), "headless is off");
            assertEquals(Rcode.NXDOMAIN, s.ask("lb.nowhere.example.org.", Type.A).getRcode(), "no such namespace");
            m = s.ask("default.example.org.", Type.A);
            assertEquals(Rcode.NOERROR, m.getRcode(), "a namespace is an empty non-terminal");
            assertEquals(0, m.getSection(Section.ANSWER).size());
            m = s.ask("named.default.example.org.", Type.A);
            assertEquals("named.default.example.org. 5 CNAME lb.example.net.",
                    m.getSection(Section.ANSWER).getFirst().getName()
                            + " 5 CNAME " + m.getSection(Section.ANSWER).getFirst().rdataToString(),
                    "a load balancer known by hostname");
            assertTrue(section(m, Section.ANSWER).contains("lb.example.net. 0 TXT fell"),
                    "its target is asked through the server: " + m);
        }
    }

    @Test
    void apexSoaNsAndTheApexSubdomain() throws Exception {
        try (DiscoveryServer s = start("k8s_external example.org")) {
            Message m = s.ask("example.org.", Type.SOA);
            SOARecord soa = (SOARecord) m.getSection(Section.ANSWER).getFirst();
            assertEquals(5, soa.getTTL());
            assertEquals(7200, soa.getRefresh());
            m = s.ask("example.org.", Type.NS);
            assertEquals(Set.of("example.org. 5 NS ns1.dns.example.org."), section(m, Section.ANSWER));
            assertEquals(Set.of("ns1.dns.example.org. 5 A 127.0.0.1"), section(m, Section.ADDITIONAL));
            assertEquals(Set.of("ns1.dns.example.org. 5 A 127.0.0.1"),
                    section(s.ask("ns1.dns.example.org.", Type.A), Section.ANSWER));
            m = s.ask("dns.example.org.", Type.A);
            assertEquals(Rcode.NOERROR, m.getRcode());
            assertEquals(0, m.getSection(Section.ANSWER).size());
            assertEquals(Rcode.NXDOMAIN, s.ask("ns2.dns.example.org.", Type.A).getRcode());
            assertEquals(Rcode.NOERROR, s.ask("example.org.", Type.A).getRcode(), "NODATA at the apex");
        }
    }

    @Test
    void apexTtlHeadlessAndFallthrough() throws Exception {
        try (DiscoveryServer s = start(
                "k8s_external example.org {\n  apex ext\n  ttl 60\n  headless\n  fallthrough\n }")) {
            assertEquals("ns1.ext.example.org.", ((SOARecord) s.ask("example.org.", Type.SOA).getSection(Section.ANSWER)
                    .getFirst()).getHost().toString());
            assertEquals(Set.of("ns1.ext.example.org. 60 A 127.0.0.1"),
                    section(s.ask("ns1.ext.example.org.", Type.A), Section.ANSWER));
            assertEquals(Set.of("hl.default.example.org. 60 A 10.0.0.7"),
                    section(s.ask("hl.default.example.org.", Type.A), Section.ANSWER));
            assertEquals(Set.of("web-0.hl.default.example.org. 60 A 10.0.0.7"),
                    section(s.ask("web-0.hl.default.example.org.", Type.A), Section.ANSWER));
            Message m = s.ask("_http._tcp.hl.default.example.org.", Type.SRV);
            assertEquals(Set.of("_http._tcp.hl.default.example.org. 60 SRV 0 100 80 web-0.hl.default.example.org."),
                    section(m, Section.ANSWER));
            assertEquals(Set.of("web-0.hl.default.example.org. 60 A 10.0.0.7"), section(m, Section.ADDITIONAL));
            assertTrue(DiscoveryServer.fellThrough(s.ask("missing.default.example.org.", Type.A)),
                    "NXDOMAIN falls through");
            assertTrue(DiscoveryServer.fellThrough(s.ask("other.test.", Type.A)), "outside the zone");
            assertEquals(Rcode.NOERROR, s.ask("lb.default.example.org.", Type.AAAA).getRcode(),
                    "NODATA does not fall through");
        }
    }

    @Test
    void ptrForExternalIpsAndChangesFollowTheApi() throws Exception {
        try (DiscoveryServer s = start("k8s_external example.org 2.0.192.in-addr.arpa")) {
            assertEquals(Set.of("20.2.0.192.in-addr.arpa. 5 PTR lb.default.example.org."),
                    section(s.ask("20.2.0.192.in-addr.arpa.", Type.PTR), Section.ANSWER));
            assertEquals(Rcode.NXDOMAIN, s.ask("99.2.0.192.in-addr.arpa.", Type.PTR).getRcode());
            cluster.api()
                    .update(external(KubeObjects.service("default", "plain", "10.96.0.12", HTTP), List.of("192.0.2.30"),
                            List.of()));
            until(s, "plain.default.example.org.", Rcode.NOERROR);
            assertEquals(Set.of("30.2.0.192.in-addr.arpa. 5 PTR plain.default.example.org."),
                    section(s.ask("30.2.0.192.in-addr.arpa.", Type.PTR), Section.ANSWER));
            cluster.api().update(KubeObjects.service("default", "plain", "10.96.0.12", HTTP));
            until(s, "plain.default.example.org.", Rcode.NXDOMAIN);
            assertEquals(Rcode.NXDOMAIN, s.ask("30.2.0.192.in-addr.arpa.", Type.PTR).getRcode());
        }
    }

    /** Waits up to 10 s for the name's A query to get the rcode (the watch's change reaching the view). */
    static void until(DiscoveryServer s, String name, int rcode) throws Exception {
        long deadline = System.nanoTime() + 10_000_000_000L;
        while (s.ask(name, Type.A).getRcode() != rcode) {
            assertTrue(System.nanoTime() < deadline, name + " never got " + Rcode.string(rcode));
            Thread.sleep(20);
        }
    }

    @Test
    void setupErrors() {
        SetupErrors.assertFails(".:0 {\n k8s_external example.org\n}\n", registry(), 2,
                "plugin/k8s_external: kubernetes plugin not loaded");
        // the k8s_external block's option is on line 6
        String kube = ".:0 {\n kubernetes cluster.local {\n  kubeconfig " + cluster.kubeconfig() + "\n }\n"
                + " k8s_external example.org {\n  ";
        SetupErrors.assertFails(kube + "bogus\n }\n}\n", registry(), 6, "unknown property 'bogus'");
        SetupErrors.assertFails(kube + "apex a.b\n }\n}\n", registry(), 6, "apex must be one DNS label");
        SetupErrors.assertFails(kube + "ttl 3601\n }\n}\n", registry(), 6,
                "plugin/k8s_external: ttl must be in range [0, 3600]");
        SetupErrors.assertFails(kube + "headless yes\n }\n}\n", registry(), 6, "Wrong argument count");
    }
}
