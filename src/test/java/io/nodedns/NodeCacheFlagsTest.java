package io.nodedns;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** node-cache's flags in Go syntax, their defaults, and the __PILLAR__ rendering. */
class NodeCacheFlagsTest {
    @TempDir
    Path dir;

    @Test
    void officialDaemonSetArgsParseWithNodeCacheDefaults() {
        Flags f = Flags
                .parse(new String[]{"-localip", "169.254.20.10,10.96.0.10", "-conf", "/etc/Corefile", "-upstreamsvc",
                        "kube-dns-upstream", "-pidfile", "/tmp/node-cache.pid"});
        NodeCacheFlags nc = f.nodeCache();
        assertEquals(List.of("169.254.20.10", "10.96.0.10"), nc.localIps());
        assertEquals("nodelocaldns", nc.interfaceName());
        assertTrue(nc.setupInterface());
        assertTrue(nc.setupIptables());
        assertFalse(nc.skipTeardown());
        assertEquals(Duration.ofSeconds(60), nc.syncInterval());
        assertEquals(Path.of("/etc/coredns/Corefile.base"), nc.baseCorefile());
        assertEquals("kube-dns-upstream", nc.upstreamSvc());
        assertEquals(8080, nc.healthPort());
        assertEquals("0.0.0.0:9353", nc.metricsListenAddress());
        assertEquals(Path.of("/run/nodedns"), nc.lockDir());
        assertEquals("/etc/Corefile", f.conf());
        assertNull(Flags.parse(new String[]{"-conf", "x"}).nodeCache(), "no -localip: plain nodedns");
    }

    @Test
    void everyFlagInGoSyntax() {
        NodeCacheFlags nc = Flags
                .parse(new String[]{"--localip=fd00::10", "-interfacename", "lo", "-setupinterface=false",
                        "-setupiptables=false", "-skipteardown", "-syncinterval", "30ns", "-basecorefile", "/b",
                        "-corefile", "/dead",
                        "-health-port", "8081", "-metrics-listen-address", "", "-kubednscm", "/etc/kube-dns",
                        "-reloadwithsignal",
                        "-lockdir", "none"})
                .nodeCache();
        assertEquals(List.of("fd00::10"), nc.localIps());
        assertEquals("lo", nc.interfaceName());
        assertFalse(nc.setupInterface());
        assertFalse(nc.setupIptables());
        assertTrue(nc.skipTeardown());
        assertEquals(Duration.ofSeconds(30), nc.syncInterval(), "node-cache reads 30ns as 30 s");
        assertEquals(Path.of("/b"), nc.baseCorefile());
        assertEquals(8081, nc.healthPort());
        assertEquals("", nc.metricsListenAddress());
        assertNull(nc.lockDir());
        assertEquals(Duration.ofMillis(1500), NodeCacheFlags.Builder.syncInterval("1.5s"));
        assertEquals(Duration.ofSeconds(5), NodeCacheFlags.Builder.syncInterval("5"));
    }

    @Test
    void badValuesAreClearErrors() {
        assertTrue(assertThrows(IllegalArgumentException.class, () -> Flags.parse(new String[]{"-localip", ""}))
                .getMessage().contains("invalid localip"));
        assertTrue(assertThrows(IllegalArgumentException.class,
                () -> Flags.parse(new String[]{"-localip", "1.2.3.4,nope"}))
                .getMessage().contains("'nope' is not an IP address"));
        assertThrows(IllegalArgumentException.class,
                () -> Flags.parse(new String[]{"-localip", "1.2.3.4", "-syncinterval", "x"}));
        assertThrows(IllegalArgumentException.class,
                () -> Flags.parse(new String[]{"-localip", "1.2.3.4", "-health-port", "0"}));
        assertThrows(IllegalArgumentException.class,
                () -> Flags.parse(new String[]{"-localip", "1.2.3.4", "-skipteardown", "false"}),
                "Go booleans take =false, a separate word is an extra argument");
    }

    @Test
    void pillarsAreFilledAsNodeCacheDoes() {
        String base = "cluster.local:53 {\n bind __PILLAR__LOCAL__DNS__ __PILLAR__DNS__SERVER__\n forward . __PILLAR__CLUSTER__DNS__\n}\n"
                + ".:53 {\n forward . __PILLAR__UPSTREAM__SERVERS__\n}\n";
        String out = NodeCacheTemplate.render(base, List.of("169.254.20.10", "10.96.0.10"), "kube-dns-upstream",
                Map.of("KUBE_DNS_UPSTREAM_SERVICE_HOST", "10.96.0.20")::get);
        assertEquals(
                "cluster.local:53 {\n bind 169.254.20.10 10.96.0.10 \n forward . 10.96.0.20\n}\n.:53 {\n forward . /etc/resolv.conf\n}\n",
                out);
        IllegalArgumentException missing = assertThrows(IllegalArgumentException.class,
                () -> NodeCacheTemplate.render(base, List.of("169.254.20.10"), "kube-dns-upstream", k -> null));
        assertTrue(missing.getMessage().contains("KUBE_DNS_UPSTREAM_SERVICE_HOST is not set"), missing.getMessage());
        assertThrows(IllegalArgumentException.class,
                () -> NodeCacheTemplate.render(base, List.of("169.254.20.10"), "kube-dns",
                        Map.of("KUBE_DNS_SERVICE_HOST", "<nil>")::get));
        assertEquals(".:53 {\n}\n", NodeCacheTemplate.render(".:53 {\n}\n", List.of("1.2.3.4"), "absent", k -> null),
                "no placeholder, no variable needed");
    }

    @Test
    void missingUpstreamVariableExitsOneNamingIt() throws Exception {
        Path base = dir.resolve("Corefile.base");
        Files.writeString(base, ".:53 {\n forward . __PILLAR__CLUSTER__DNS__\n}\n");
        MainRun r = MainRun.of("-localip", "169.254.20.10", "-basecorefile", base.toString(), "-conf",
                dir.resolve("Corefile").toString(), "-upstreamsvc", "nodedns-test-absent-svc");
        assertEquals(1, r.code());
        assertTrue(r.err().contains("NODEDNS_TEST_ABSENT_SVC_SERVICE_HOST is not set"), r.err());
        assertFalse(Files.exists(dir.resolve("Corefile")), "nothing rendered");
    }
}
