package io.nodedns.plugin.autopath;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.nodedns.k8stest.KubeClients;
import io.nodedns.plugin.kubernetes.KubernetesSetup;
import io.nodedns.testing.SetupErrors;
import io.nodedns.testing.SetupParse;
import io.nodedns.testing.TestServer;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** CoreDNS plugin/autopath syntax: RESOLV-CONF as a file or @kubernetes, zones, and every error with its file:line. */
class AutopathSetupTest {
    @TempDir
    Path dir;

    private static final SetupParse<AutopathConfig> AUTOPATH = SetupParse.of("example.org", "autopath",
            d -> AutopathSetup.parse(d, List.of("example.org.")));

    private Path file(String text) throws IOException {
        Path f = Files.createTempFile(dir, "resolv", ".conf");
        Files.writeString(f, text);
        return f;
    }

    @Test
    void kubernetesAndZones() throws Exception {
        AutopathConfig c = AUTOPATH.parse("autopath @kubernetes");
        assertEquals("kubernetes", c.plugin());
        assertEquals(List.of("example.org."), c.zones(), "the block's zones");
        assertEquals(List.of(), c.search());
        c = AUTOPATH.parse("autopath Cluster.LOCAL 10.0.0.0/24 @kubernetes");
        assertEquals(List.of("cluster.local.", "0.0.10.in-addr.arpa."), c.zones());
        assertEquals(2, c.at().line());
    }

    @Test
    void fileSearchLineAsMiekgDnsReadsIt() throws Exception {
        Path f = file("nameserver 10.0.0.10\n# search commented.out\nsearch Default.svc.cluster.local svc.cluster.local"
                + " cluster.local\noptions ndots:5\n");
        AutopathConfig c = AUTOPATH.parse("autopath " + f);
        assertNull(c.plugin());
        assertEquals(List.of("default.svc.cluster.local.", "svc.cluster.local.", "cluster.local."), c.search());
        assertEquals(List.of("example.org."), c.zones());
        Path domain = file("search a.example b.example\ndomain corp.example\n");
        assertEquals(List.of("corp.example."), AUTOPATH.parse("autopath " + domain).search(), "the last line wins");
        Path later = file("domain corp.example\nsearch a.example b.example.\n");
        assertEquals(List.of("a.example.", "b.example."), AUTOPATH.parse("autopath example.net " + later).search());
        assertEquals(List.of("example.net."), AUTOPATH.parse("autopath example.net " + later).zones());
    }

    @Test
    void errorsNameTheLine() throws Exception {
        AUTOPATH.fails("autopath", 2, "plugin/autopath: no resolv-conf specified");
        AUTOPATH.fails("\nautopath /nonexistent/resolv.conf", 3,
                "plugin/autopath: failed to parse \"/nonexistent/resolv.conf\": open /nonexistent/resolv.conf: no such"
                        + " file or directory");
        Path none = file("nameserver 10.0.0.10\noptions ndots:5\n");
        AUTOPATH.fails("autopath " + none, 2, "has no search or domain line");
        Path bad = file("search ok.example bad..name\n");
        AUTOPATH.fails("autopath " + bad, 2, "search domain 'bad..name.' is not a domain name");
        AUTOPATH.fails("autopath @", 2, "'@' names no plugin");
        AUTOPATH.fails("autopath @kubernetes {\n  fallthrough\n }", 3,
                "unknown property 'fallthrough'");
        SetupErrors.assertFails("example.org {\n autopath @kubernetes\n}\n", 2,
                "plugin/autopath: @kubernetes needs the kubernetes plugin in the same server block");
        SetupErrors.assertFails("example.org {\n hosts\n autopath @hosts\n}\n", 3,
                "plugin/autopath: hosts does not implement the AutoPather interface");
        SetupErrors.assertFails("example.org {\n autopath @etcd\n}\n", 2, "only @kubernetes gives search paths");
        SetupErrors.assertFails("example.org {\n autopath @kubernetes\n autopath @kubernetes\n}\n", 3,
                "only be used once per Server Block");
    }

    /** CoreDNS's AutoPath returns nothing without the pod cache; here that is an error, before anything binds. */
    @Test
    void kubernetesMustKeepPods() throws Exception {
        Path kubeconfig = KubeClients.writeKubeconfig(dir.resolve("kubeconfig"), "http://127.0.0.1:9", "default");
        var registry = TestServer.registry().register("kubernetes", new KubernetesSetup(Map.of()));
        for (String pods : List.of("", "pods insecure", "pods disabled")) {
            String corefile = ".:0 {\n bind 127.0.0.1\n autopath @kubernetes\n kubernetes cluster.local {\n  kubeconfig "
                    + kubeconfig + "\n  " + pods + "\n }\n}\n";
            Exception e = assertThrows(Exception.class, () -> TestServer.fromText(corefile, registry).close());
            assertTrue(e.getMessage().contains(
                    "Corefile:3 - Error during parsing: plugin/autopath: @kubernetes needs 'pods verified'"),
                    e.getMessage());
        }
    }
}
