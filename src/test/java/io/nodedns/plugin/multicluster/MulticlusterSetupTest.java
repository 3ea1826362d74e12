package io.nodedns.plugin.multicluster;

import static io.nodedns.testing.SetupErrors.assertFails;
import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.nodedns.config.ConfigException;
import io.nodedns.k8stest.DiscoveryServer;
import io.nodedns.k8stest.KubeClients;
import io.nodedns.k8stest.KubeObjects;
import io.nodedns.k8stest.KubeObjects.Port;
import io.nodedns.k8stest.RecordedRequest;
import io.nodedns.k8stest.StandInApiServer;
import io.nodedns.k8stest.StandInCluster;
import io.nodedns.server.Instance;
import io.nodedns.testing.FreePorts;
import io.nodedns.testing.SetupErrors;
import io.nodedns.testing.TestServer;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.xbill.DNS.Message;
import org.xbill.DNS.Rcode;
import org.xbill.DNS.Record;
import org.xbill.DNS.SOARecord;
import org.xbill.DNS.Section;
import org.xbill.DNS.TXTRecord;
import org.xbill.DNS.Type;

/**
 * Corefile parsing of {@code multicluster} (every option accepted, malformed lines name
 * Corefile:line) and the options' effects over real sockets against a stand-in API (loopback).
 */
class MulticlusterSetupTest {
    @TempDir
    static Path dir;
    @RegisterExtension
    static final StandInCluster cluster = StandInCluster.of(
            StandInApiServer.builder().serviceImportVersions("v1beta1", "v1alpha1"), KubeObjects.namespace("default"),
            KubeObjects.serviceImport("v1beta1", "default", "web", "ClusterSetIP", List.of("10.9.0.1"),
                    new Port("http", "TCP", 80)));

    /** {@code clusterset.local { multicluster { kubeconfig F; <lines> } }}: the lines start at line 4. */
    static String block(String... lines) {
        StringBuilder b = new StringBuilder(
                "clusterset.local {\n    multicluster {\n        kubeconfig " + cluster.kubeconfig() + "\n");
        for (String l : lines) {
            b.append("        ").append(l).append('\n');
        }
        return b.append("    }\n}\n").toString();
    }

    static Instance build(String corefile, Map<String, String> env) throws ConfigException {
        return SetupErrors.build(corefile, TestServer.registry().register("multicluster", new MulticlusterSetup(env)));
    }

    @Test
    void everyOption() throws Exception {
        assertEquals(1,
                SetupErrors.build(block("noendpoints", "ttl 60", "fallthrough in-addr.arpa")).readiness().size());
        for (String line : List.of("noendpoints", "ttl 0", "ttl 3600", "fallthrough",
                "fallthrough example.org a.test")) {
            assertDoesNotThrow(() -> SetupErrors.build(block(line)), line);
        }
        assertDoesNotThrow(
                () -> SetupErrors.build(".:53 {\n multicluster clusterset.local example.test {\n  kubeconfig "
                        + cluster.kubeconfig() + " " + KubeClients.CONTEXT + "\n }\n}\n"));
    }

    @Test
    void malformedLines() {
        assertFails(block("bogus"), 4, "plugin/multicluster: unknown property 'bogus'");
        // kubernetes-only options are unknown here
        assertFails(block("pods insecure"), 4, "plugin/multicluster: unknown property 'pods'");
        assertFails(block("startup_timeout 1s"), 4, "plugin/multicluster: unknown property 'startup_timeout'");
        assertFails(block("namespaces default"), 4, "plugin/multicluster: unknown property 'namespaces'");
        assertFails(block("noendpoints yes"), 4, "Wrong argument count");
        assertFails(block("kubeconfig"), 4, "Wrong argument count");
        assertFails(block("kubeconfig a b c"), 4, "Wrong argument count");
        assertFails(block("ttl"), 4, "Wrong argument count");
        assertFails(block("ttl soon"), 4, "plugin/multicluster: ttl: not a number 'soon'");
        assertFails(block("ttl -5"), 4, "plugin/multicluster: ttl must be in range [0, 3600]: -5");
        assertFails(block("ttl 86400"), 4, "plugin/multicluster: ttl must be in range [0, 3600]: 86400");
        assertFails(block("ttl 5 5"), 4, "Wrong argument count");
        assertFails(block("ttl 5", "noendpoints", "bogus 1"), 6, "unknown property 'bogus'");
        assertFails(
                "clusterset.local {\n multicluster {\n  kubeconfig " + cluster.kubeconfig()
                        + "\n }\n\n multicluster\n}\n",
                6,
                "plugin/multicluster: this plugin can only be used once per Server Block");
    }

    @Test
    void clientConfiguration() {
        assertFails("clusterset.local {\n multicluster {\n  kubeconfig " + dir.resolve("absent") + "\n }\n}\n", 2,
                "plugin/multicluster:");
        assertFails("clusterset.local {\n multicluster {\n  kubeconfig " + cluster.kubeconfig() + " nope\n }\n}\n", 2,
                "no context 'nope'");
        assertFails(() -> build("clusterset.local {\n multicluster\n}\n", Map.of()), 2,
                "plugin/multicluster: no Kubernetes client configuration");
        assertDoesNotThrow(
                () -> build("clusterset.local {\n multicluster\n}\n",
                        Map.of("KUBECONFIG", cluster.kubeconfig().toString())));
    }

    static DiscoveryServer start(String header, String body) throws Exception {
        return DiscoveryServer.start(header, body,
                TestServer.registry().register("multicluster", new MulticlusterSetup(Map.of())));
    }

    static SOARecord soa(Message m) {
        List<Record> all = new java.util.ArrayList<>(m.getSection(Section.ANSWER));
        all.addAll(m.getSection(Section.AUTHORITY));
        for (Record r : all) {
            if (r instanceof SOARecord s) {
                return s;
            }
        }
        throw new AssertionError("no SOA in " + m);
    }

    @Test
    void defaultsOverSockets() throws Exception {
        cluster.api().clearRequests();
        try (DiscoveryServer s = start("clusterset.local:PORT",
                " multicluster {\n  kubeconfig " + cluster.kubeconfig() + "\n }")) {
            assertTrue(s.server().server().current().readiness().getFirst().ready());
            SOARecord soa = soa(s.ask("clusterset.local.", Type.SOA));
            assertEquals(5, soa.getTTL());
            assertEquals(5, soa.getMinimum());
            Message version = s.ask("dns-version.clusterset.local.", Type.TXT);
            assertEquals(List.of("1.0.0"), ((TXTRecord) version.getSection(Section.ANSWER).getFirst()).getStrings());
            Message web = s.ask("web.default.svc.clusterset.local.", Type.A);
            assertEquals(5, web.getSection(Section.ANSWER).getFirst().getTTL());
            assertEquals(Rcode.NXDOMAIN, s.ask("nope.default.svc.clusterset.local.", Type.A).getRcode(),
                    "no fallthrough");
        }
        assertEquals(
                Set.of("/api/v1/namespaces",
                        "/apis/discovery.k8s.io/v1/endpointslices?multicluster.kubernetes.io/service-name",
                        "/apis/multicluster.x-k8s.io/v1beta1/serviceimports"),
                DiscoveryServer.listed(cluster.api()), "no Services or Pods");
    }

    @Test
    void zonesTtlFallthroughAndNoendpoints() throws Exception {
        cluster.api().clearRequests();
        try (DiscoveryServer s = start(".:PORT",
                " multicluster clusterset.local mcs.test {\n  kubeconfig " + cluster.kubeconfig()
                        + "\n  ttl 3600\n  fallthrough mcs.test\n  noendpoints\n }")) {
            SOARecord soa = soa(s.ask("clusterset.local.", Type.SOA));
            assertEquals(300, soa.getTTL());
            assertEquals(3600, soa.getMinimum());
            assertEquals(3600,
                    s.ask("web.default.svc.mcs.test.", Type.A).getSection(Section.ANSWER).getFirst().getTTL());
            assertEquals(Rcode.NXDOMAIN, s.ask("nope.default.svc.clusterset.local.", Type.A).getRcode());
            assertTrue(DiscoveryServer.fellThrough(s.ask("nope.default.svc.mcs.test.", Type.A)));
            assertTrue(DiscoveryServer.fellThrough(s.ask("web.default.svc.cluster.local.", Type.A)),
                    "other zones go on");
        }
        assertFalse(DiscoveryServer.listed(cluster.api()).stream().anyMatch(p -> p.contains("endpointslices")),
                DiscoveryServer.listed(cluster.api()).toString());
    }

    @Test
    void waitsFiveSecondsForAnUnreachableApiThenServfails() throws Exception {
        Path down = KubeClients.writeKubeconfig(dir.resolve("down"), "http://127.0.0.1:" + FreePorts.udpAndTcp(),
                "default");
        long t0 = System.nanoTime();
        try (DiscoveryServer s = start("clusterset.local:PORT", " multicluster {\n  kubeconfig " + down + "\n }")) {
            long waited = (System.nanoTime() - t0) / 1_000_000;
            assertTrue(waited >= 4900 && waited < 9000, "waited " + waited + " ms");
            assertEquals(Rcode.SERVFAIL, s.ask("web.default.svc.clusterset.local.", Type.A).getRcode());
            assertFalse(s.server().server().current().readiness().getFirst().ready());
        }
    }
}
