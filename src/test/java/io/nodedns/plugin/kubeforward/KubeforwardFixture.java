package io.nodedns.plugin.kubeforward;

import io.nodedns.k8s.Backoff;
import io.nodedns.k8stest.KubeClients;
import io.nodedns.k8stest.StandInApiServer;
import io.nodedns.plugin.forward.ForwardHandler;
import io.nodedns.server.Handler;
import io.nodedns.testing.FakeUpstream;
import io.nodedns.testing.FreePorts;
import io.nodedns.testing.TestServer;
import java.nio.file.Path;
import java.util.Map;
import java.util.function.Supplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.io.TempDir;

/** Shared setup of the kubeforward end-to-end tests: a stand-in API server and three loopback upstreams. */
abstract class KubeforwardFixture {
    @TempDir
    Path dir;
    StandInApiServer api;
    FakeUpstream a;
    FakeUpstream b;
    FakeUpstream c;
    TestServer server;
    int port;
    /** The watchers' retry schedule: production's unless a test scales it down. */
    Supplier<Backoff> backoffs = Backoff::new;

    @BeforeEach
    void startApiAndUpstreams() throws Exception {
        // a port below the ephemeral range: no client socket of a test running beside (WaitBound)
        // takes it while an outage test has the stand-in stopped
        api = StandInApiServer.builder().port(FreePorts.udpAndTcp()).start();
        a = FakeUpstream.start("127.0.0.2");
        b = FakeUpstream.start("127.0.0.3");
        c = FakeUpstream.start("127.0.0.4");
    }

    /** Starts the server: kubeforward for kube-system/kube-dns port dns, round_robin, then {@code extra} lines. */
    void startServer(String extra) throws Exception {
        startServer("", extra);
    }

    /** As {@link #startServer(String)}, with the {@code plugins} lines before kubeforward in the block. */
    void startServer(String plugins, String extra) throws Exception {
        Path kc = KubeClients.writeKubeconfig(dir.resolve("kubeconfig"), api.url(), "default");
        port = FreePorts.udpAndTcp();
        String corefile = ".:" + port + " {\n" + plugins + " kubeforward {\n  namespace kube-system\n"
                + "  service_name kube-dns\n  port_name dns\n  kubeconfig " + kc + "\n  policy round_robin\n" + extra
                + " }\n}\n";
        server = TestServer.fromText(corefile,
                TestServer.registry().register("kubeforward", new KubeforwardSetup(Map.of(), backoffs)));
    }

    /** The running server's kubeforward handler. */
    ForwardHandler forward() {
        for (Handler h : server.server().current().configs().getFirst().handlers()) {
            if (h instanceof ForwardHandler f) {
                return f;
            }
        }
        throw new AssertionError("no kubeforward handler");
    }

    @AfterEach
    void stopAll() {
        if (server != null) {
            server.close();
        }
        api.close();
        a.close();
        b.close();
        c.close();
    }
}
