package io.nodedns.plugin.kubeforward;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.nodedns.k8s.HostPorts;
import io.nodedns.plugin.forward.ForwardConfig;
import io.nodedns.server.PluginRegistry;
import io.nodedns.testing.SetupErrors;
import io.nodedns.testing.SetupParse;
import io.nodedns.testing.TestServer;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class KubeforwardSetupTest {
    @TempDir
    Path dir;

    static PluginRegistry registry() {
        return TestServer.registry().register("kubeforward", new KubeforwardSetup(Map.of()));
    }

    private static final SetupParse<KubeforwardConfig> KUBEFORWARD = SetupParse.of(".:53", "kubeforward",
            KubeforwardSetup::parse);

    @Test
    void seedExampleParsesWithForwardSemantics() throws Exception {
        KubeforwardConfig c = KUBEFORWARD.parse("""
                kubeforward {
                    namespace kube-system
                    service_name kube-dns
                    port_name dns
                    expire 10m
                    health_check 5s
                    prefer_udp
                    force_tcp
                }""");
        assertEquals("kube-system", c.namespace());
        assertEquals("kube-dns", c.serviceName());
        assertEquals("dns", c.portName());
        ForwardConfig f = c.forwards().getFirst();
        assertEquals(".", f.from());
        assertEquals(Duration.ofMinutes(10), f.expire());
        assertEquals(Duration.ofSeconds(5), f.healthCheck());
        assertEquals(ForwardConfig.DEFAULT_READ_TIMEOUT, f.readTimeout());
        assertTrue(f.preferUdp() && f.forceTcp());
        assertTrue(f.to().isEmpty());
        assertTrue(c.fallback().isEmpty());
        assertNull(c.snapshot());
        assertNull(c.kubeconfig());
    }

    @Test
    void everyOptionIncludingForwardOnes() throws Exception {
        KubeforwardConfig c = KUBEFORWARD.parse("""
                kubeforward cluster.local in-addr.arpa {
                    namespace ns1
                    service_name svc
                    kubeconfig /etc/kube.conf other-ctx
                    fallback 10.0.0.10 [fd00::10]:5353 10.0.0.11:54
                    snapshot /var/lib/nodedns/svc.endpoints
                    policy round_robin
                    max_fails 3
                    max_concurrent 100
                    next SERVFAIL
                    except skip.cluster.local
                    read_timeout 1s
                }""");
        assertEquals(List.of("cluster.local.", "in-addr.arpa."),
                c.forwards().stream().map(ForwardConfig::from).toList());
        ForwardConfig f = c.forwards().getFirst();
        assertEquals("round_robin", f.policy());
        assertEquals(3, f.maxFails());
        assertEquals(100, f.maxConcurrent());
        assertEquals(1 << 2, f.nextRcodes());
        assertEquals(List.of("skip.cluster.local."), f.except());
        assertEquals(Duration.ofSeconds(1), f.readTimeout());
        assertNull(c.portName());
        assertEquals(Path.of("/etc/kube.conf"), c.kubeconfig());
        assertEquals("other-ctx", c.context());
        assertEquals(List.of("10.0.0.10:53", "[fd00::10]:5353", "10.0.0.11:54"),
                c.fallback().stream().map(HostPorts::format).toList());
        assertEquals(Path.of("/var/lib/nodedns/svc.endpoints"), c.snapshot());
    }

    @Test
    void malformedLinesReportFileAndLine() {
        KUBEFORWARD.fails("kubeforward {\n service_name kube-dns\n}", 2, "'namespace' is required");
        KUBEFORWARD.fails("kubeforward {\n namespace a\n}", 2, "'service_name' is required");
        KUBEFORWARD.fails("kubeforward {\n namespace a\n service_name b\n bogus 1\n}", 5, "unknown property 'bogus'");
        KUBEFORWARD.fails("kubeforward {\n namespace a\n service_name b\n fallback kube-dns.local\n}", 5, "fallback");
        KUBEFORWARD.fails("kubeforward {\n namespace a b\n service_name b\n}", 3, "Wrong argument count");
        KUBEFORWARD.fails("kubeforward {\n namespace Not_Valid\n service_name b\n}", 3, "Not_Valid");
        KUBEFORWARD.fails("kubeforward {\n namespace a\n service_name b\n health_check\n}", 5, "Wrong argument count");
        KUBEFORWARD.fails("kubeforward {\n namespace a\n service_name b\n policy bogus\n}", 5, "bogus");
        KUBEFORWARD.fails("kubeforward {\n namespace a\n service_name b\n snapshot\n}", 5, "Wrong argument count");
    }

    @Test
    void setupChecksTheClientConfiguration() throws Exception {
        String missing = dir.resolve("absent.kubeconfig").toString();
        SetupErrors.assertFails(
                ".:53 {\n kubeforward {\n  namespace a\n  service_name b\n  kubeconfig " + missing + "\n }\n}\n",
                registry(), 2, "plugin/kubeforward: kubeconfig " + missing);

        // Neither kubeconfig, a service account nor $KUBECONFIG: a setup error, not a silent hang.
        SetupErrors.assertFails(".:53 {\n kubeforward {\n  namespace a\n  service_name b\n }\n}\n", registry(), 2,
                "no Kubernetes client configuration");

        Path kc = io.nodedns.k8stest.KubeClients.writeKubeconfig(dir.resolve("kc"), "http://127.0.0.1:1", "default");
        SetupErrors.assertFails(
                ".:53 {\n kubeforward {\n  namespace a\n  service_name b\n  kubeconfig " + kc + " nope\n }\n}\n",
                registry(), 2, "no context 'nope'");
        Files.deleteIfExists(kc);
    }

    @Test
    void hostPortsFormatAndParse() {
        assertEquals("[::1]:53", HostPorts.format(new InetSocketAddress("::1", 53)));
        assertEquals("10.1.2.3:5353", HostPorts.format(new InetSocketAddress("10.1.2.3", 5353)));
        assertEquals(new InetSocketAddress("fd00::a", 53), HostPorts.parse("[fd00::a]:53", -1));
        assertEquals(new InetSocketAddress("fd00::a", 53), HostPorts.parse("fd00::a", 53));
        assertNull(HostPorts.parse("example.org", 53));
        assertNull(HostPorts.parse("10.0.0.1:99999", 53));
        assertNull(HostPorts.parse("[fd00::a", 53));
    }
}
