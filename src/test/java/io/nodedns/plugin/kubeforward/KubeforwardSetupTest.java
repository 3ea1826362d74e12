package io.nodedns.plugin.kubeforward;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.nodedns.config.ConfigException;
import io.nodedns.config.Corefile;
import io.nodedns.config.Directive;
import io.nodedns.config.ServerBlock;
import io.nodedns.k8s.HostPorts;
import io.nodedns.plugin.forward.ForwardConfig;
import io.nodedns.server.Instance;
import io.nodedns.server.PluginRegistry;
import io.nodedns.server.Shared;
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

    static KubeforwardConfig parse(String body) throws ConfigException {
        PluginRegistry r = registry();
        List<ServerBlock> blocks = Corefile.parse("Corefile", ".:53 {\n" + body + "\n}\n", r::isKnown, k -> null);
        Directive d = blocks.getFirst().directives("kubeforward").getFirst();
        return KubeforwardSetup.parse(d.dispenser());
    }

    static ConfigException error(String body) {
        return assertThrows(ConfigException.class, () -> parse(body));
    }

    @Test
    void seedExampleParsesWithForwardSemantics() throws Exception {
        KubeforwardConfig c = parse("""
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
        KubeforwardConfig c = parse("""
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
        ConfigException e = error("kubeforward {\n service_name kube-dns\n}");
        assertEquals("Corefile", e.file());
        assertEquals(2, e.line());
        assertTrue(e.detail().contains("'namespace' is required"), e.detail());

        e = error("kubeforward {\n namespace a\n}");
        assertTrue(e.detail().contains("'service_name' is required"), e.detail());

        e = error("kubeforward {\n namespace a\n service_name b\n bogus 1\n}");
        assertEquals(5, e.line());
        assertTrue(e.detail().contains("unknown property 'bogus'"), e.detail());

        e = error("kubeforward {\n namespace a\n service_name b\n fallback kube-dns.local\n}");
        assertEquals(5, e.line());
        assertTrue(e.detail().contains("fallback"), e.detail());

        e = error("kubeforward {\n namespace a b\n service_name b\n}");
        assertEquals(3, e.line());

        e = error("kubeforward {\n namespace Not_Valid\n service_name b\n}");
        assertEquals(3, e.line());

        e = error("kubeforward {\n namespace a\n service_name b\n health_check\n}");
        assertEquals(5, e.line());

        e = error("kubeforward {\n namespace a\n service_name b\n policy bogus\n}");
        assertEquals(5, e.line());

        e = error("kubeforward {\n namespace a\n service_name b\n snapshot\n}");
        assertEquals(5, e.line());
    }

    @Test
    void setupChecksTheClientConfiguration() throws Exception {
        String missing = dir.resolve("absent.kubeconfig").toString();
        ConfigException e = assertThrows(ConfigException.class, () -> build(
                ".:53 {\n kubeforward {\n  namespace a\n  service_name b\n  kubeconfig " + missing + "\n }\n}\n"));
        assertEquals(2, e.line());

        // Neither kubeconfig, a service account nor $KUBECONFIG: a setup error, not a silent hang.
        e = assertThrows(ConfigException.class,
                () -> build(".:53 {\n kubeforward {\n  namespace a\n  service_name b\n }\n}\n"));
        assertTrue(e.detail().contains("no Kubernetes client configuration"), e.detail());

        Path kc = io.nodedns.k8stest.KubeClients.writeKubeconfig(dir.resolve("kc"), "http://127.0.0.1:1", "default");
        e = assertThrows(ConfigException.class, () -> build(
                ".:53 {\n kubeforward {\n  namespace a\n  service_name b\n  kubeconfig " + kc + " nope\n }\n}\n"));
        assertTrue(e.detail().contains("no context 'nope'"), e.detail());
        Files.deleteIfExists(kc);
    }

    private static Instance build(String corefile) throws ConfigException {
        PluginRegistry r = registry();
        return Instance.build(Corefile.parse("Corefile", corefile, r::isKnown, k -> null), r, new Shared(), 53);
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
