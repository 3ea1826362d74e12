package io.nodedns.plugin.metadata;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;

import io.nodedns.k8stest.DiscoveryServer;
import io.nodedns.k8stest.KubeObjects;
import io.nodedns.k8stest.KubeObjects.Port;
import io.nodedns.k8stest.StandInCluster;
import io.nodedns.plugin.kubernetes.KubernetesSetup;
import io.nodedns.testing.DnsClient;
import io.nodedns.testing.FakeUpstream;
import io.nodedns.testing.FreePorts;
import io.nodedns.testing.LogCapture;
import io.nodedns.testing.SetupErrors;
import io.nodedns.testing.TestServer;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.xbill.DNS.Rcode;
import org.xbill.DNS.Type;

/** metadata over real sockets: what kubernetes, forward and log publish, as log's {/LABEL} prints it. */
class MetadataTest {
    private static final String KUBE_FORMAT = "\"{name} ns={/kubernetes/namespace} svc={/kubernetes/service}"
            + " kind={/kubernetes/kind} ep={/kubernetes/endpoint} port={/kubernetes/port-name}"
            + " proto={/kubernetes/protocol} err={/kubernetes/parse-error} class={/log/class}\"";

    @RegisterExtension
    static final StandInCluster cluster = StandInCluster.of(KubeObjects.namespace("default"),
            KubeObjects.service("default", "web", "10.96.0.10", new Port("http", "TCP", 80)));

    private static DiscoveryServer kube(String metadata) throws Exception {
        String body = metadata + "\n log . " + KUBE_FORMAT + "\n kubernetes {\n  kubeconfig " + cluster.kubeconfig()
                + "\n  fallthrough\n }";
        return DiscoveryServer.start("cluster.local:PORT", body,
                TestServer.registry().register("kubernetes", new KubernetesSetup(Map.of())));
    }

    private static String logged(LogCapture log, DiscoveryServer server, String name, int type) throws Exception {
        server.ask(name, type);
        String line = log.await("[INFO] " + name.toLowerCase() + ". ", 3000); // whole name, not a suffix of another
        assertNotNull(line, log.lines().toString());
        return line.substring("[INFO] ".length());
    }

    @Test
    void logPrintsTheLabelsKubernetesPublishes() throws Exception {
        try (LogCapture log = new LogCapture(); DiscoveryServer server = kube(" metadata")) {
            assertEquals(
                    "web.default.svc.cluster.local. ns=default svc=web kind=svc ep=- port=- proto=- err=- class=success",
                    logged(log, server, "web.default.svc.cluster.local", Type.A));
            assertEquals(
                    "_http._tcp.web.default.svc.cluster.local. ns=default svc=web kind=svc ep=- port=http proto=tcp err=- class=success",
                    logged(log, server, "_http._tcp.web.default.svc.cluster.local", Type.SRV));
            assertEquals(
                    "pod-1.web.default.svc.cluster.local. ns=default svc=web kind=svc ep=pod-1 port=- proto=- err=- class=success",
                    logged(log, server, "Pod-1.web.default.svc.cluster.local", Type.A)); // no such endpoint: fell through
            assertEquals("default.svc.cluster.local. ns=default svc=- kind=svc ep=- port=- proto=- err=- class=denial",
                    logged(log, server, "default.svc.cluster.local", Type.A));
            // not the grammar: only the parse error (fallthrough hands the name on: marker answers it)
            assertEquals(
                    "a.b.example.cluster.local. ns=- svc=- kind=- ep=- port=- proto=- err=invalid request class=success",
                    logged(log, server, "a.b.example.cluster.local", Type.A));
            assertEquals(
                    "a.b.c.d.e.svc.cluster.local. ns=- svc=- kind=- ep=- port=- proto=- err=invalid request class=success",
                    logged(log, server, "a.b.c.d.e.svc.cluster.local", Type.A));
        }
    }

    @Test
    void withoutMetadataEveryLabelIsADash() throws Exception {
        try (LogCapture log = new LogCapture(); DiscoveryServer server = kube("")) {
            assertEquals("web.default.svc.cluster.local. ns=- svc=- kind=- ep=- port=- proto=- err=- class=-",
                    logged(log, server, "web.default.svc.cluster.local", Type.A));
        }
    }

    @Test
    void providersAreAskedOnlyUnderMetadataZones() throws Exception {
        try (LogCapture log = new LogCapture(); DiscoveryServer server = kube(" metadata pod.cluster.local")) {
            assertEquals("web.default.svc.cluster.local. ns=- svc=- kind=- ep=- port=- proto=- err=- class=success",
                    logged(log, server, "web.default.svc.cluster.local", Type.A));
        }
    }

    @Test
    void forwardPublishesTheUpstream() throws Exception {
        int port = FreePorts.udpAndTcp();
        try (FakeUpstream up = FakeUpstream.start();
                LogCapture log = new LogCapture();
                TestServer server = TestServer
                        .fromText(".:%d {\n metadata\n log . \"{name} via {/forward/upstream}\"\n forward . %s\n}\n"
                                .formatted(port, up.hostPort()));
                DnsClient client = new DnsClient(port)) {
            assertEquals(Rcode.NOERROR, client.udp(DnsClient.query("example.org", Type.A)).getRcode());
            String line = log.await("example.org. via", 3000);
            assertNotNull(line, log.lines().toString());
            assertEquals("[INFO] example.org. via " + up.hostPort(), line);
        }
    }

    @Test
    void malformedMetadata() {
        SetupErrors.assertFails(".:53 {\n metadata\n metadata\n whoami\n}\n", 3, "only be used once");
        SetupErrors.assertFails(".:53 {\n metadata {\n  zones\n }\n whoami\n}\n", 3, "Wrong argument count");
    }
}
