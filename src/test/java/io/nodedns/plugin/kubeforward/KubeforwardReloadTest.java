package io.nodedns.plugin.kubeforward;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.nodedns.k8s.WatcherRegistry;
import io.nodedns.k8stest.KubeClients;
import io.nodedns.k8stest.StandInApiServer;
import io.nodedns.plugin.forward.ForwardHandler;
import io.nodedns.server.ConfigSource;
import io.nodedns.server.Handler;
import io.nodedns.server.Readiness;
import io.nodedns.server.Server;
import io.nodedns.testing.DnsClient;
import io.nodedns.testing.FakeUpstream;
import io.nodedns.testing.FreePorts;
import io.nodedns.testing.TestServer;
import io.nodedns.upstream.Upstream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.xbill.DNS.Message;
import org.xbill.DNS.Rcode;
import org.xbill.DNS.Type;

/** Reloads reuse the watcher and serve its endpoints at once; table swaps keep unchanged upstreams. */
@Timeout(60)
class KubeforwardReloadTest {
    @TempDir
    Path dir;

    static ForwardHandler forward(Server s) {
        for (Handler h : s.current().configs().getFirst().handlers()) {
            if (h instanceof ForwardHandler f) {
                return f;
            }
        }
        throw new AssertionError("no kubeforward handler");
    }

    static boolean ready(Server s) {
        return s.current().readiness().stream().filter(r -> r.readinessName().equals("kubeforward"))
                .allMatch(Readiness::ready);
    }

    @Test
    void reloadReusesTheWatcherAndKeepsServing() throws Exception {
        try (StandInApiServer api = StandInApiServer.builder().start();
                FakeUpstream a = FakeUpstream.start("127.0.0.2");
                FakeUpstream b = FakeUpstream.start("127.0.0.3")) {
            api.create(KubeforwardIntegrationTest.slice("s-a", a, true));
            Path kc = KubeClients.writeKubeconfig(dir.resolve("kubeconfig"), api.url(), "default");
            int port = FreePorts.udpAndTcp();
            Path corefile = dir.resolve("Corefile");
            String text = ".:" + port + " {\n kubeforward {\n  namespace kube-system\n  service_name kube-dns\n"
                    + "  port_name dns\n  kubeconfig " + kc + "\n  policy POLICY\n }\n}\n";
            Files.writeString(corefile, text.replace("POLICY", "round_robin"));
            Server s = new Server(TestServer.registry().register("kubeforward", new KubeforwardSetup(Map.of())),
                    new ConfigSource.FileSource(corefile), 53, k -> null);
            s.start();
            try {
                KubeforwardIntegrationTest.await("endpoints", () -> forward(s).table().size() == 1);
                Upstream kept = forward(s).table().get()[0];

                // A slice update that leaves the list as it is publishes nothing.
                Upstream[] before = forward(s).table().get();
                api.create(KubeforwardIntegrationTest.slice("s-x", "IPv4", b.port(), false, false, "127.0.0.3"));
                Thread.sleep(200);
                assertSame(before, forward(s).table().get());

                // An added endpoint keeps the Upstream object (health, sockets) of the one that stayed.
                api.create(KubeforwardIntegrationTest.slice("s-b", b, true));
                KubeforwardIntegrationTest.await("two endpoints", () -> forward(s).table().size() == 2);
                assertTrue(java.util.Arrays.asList(forward(s).table().get()).contains(kept));

                int listsBefore = api.requestCount(r -> r.isList() && r.path().contains("endpointslices"));
                Files.writeString(corefile, text.replace("POLICY", "sequential"));
                assertTrue(s.reload());
                assertEquals("sequential", forward(s).config().policy());
                assertEquals(2, forward(s).table().size(), "the new instance starts with the endpoints");
                assertTrue(ready(s), "ready at once after a reload");
                WatcherRegistry reg = s.shared().state(WatcherRegistry.KEY, k -> new WatcherRegistry());
                assertEquals(1, reg.size());
                assertEquals(listsBefore, api.requestCount(r -> r.isList() && r.path().contains("endpointslices")),
                        "no new list: the informer is shared");
                try (DnsClient c = new DnsClient(port)) {
                    Message r = c.udp(DnsClient.query("after.reload.example", Type.A));
                    assertEquals(Rcode.NOERROR, r.getRcode());
                }
                assertEquals(1, a.clientQueries() + b.clientQueries());
            } finally {
                s.stop();
            }
        }
    }
}
