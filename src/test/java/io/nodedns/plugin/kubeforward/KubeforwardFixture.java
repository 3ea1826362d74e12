package io.nodedns.plugin.kubeforward;

import io.nodedns.k8stest.StandInApiServer;
import io.nodedns.testing.FakeUpstream;
import io.nodedns.testing.TestServer;
import java.nio.file.Path;
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

    @BeforeEach
    void startApiAndUpstreams() throws Exception {
        api = StandInApiServer.builder().start();
        a = FakeUpstream.start("127.0.0.2");
        b = FakeUpstream.start("127.0.0.3");
        c = FakeUpstream.start("127.0.0.4");
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
