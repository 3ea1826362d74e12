package io.nodedns.k8s;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.nodedns.k8stest.KubeClients;
import io.nodedns.k8stest.KubeObjects;
import io.nodedns.k8stest.StandInApiServer;
import io.nodedns.k8stest.TcpRelay;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A watch whose connection dies silently (no FIN, no RST: the relay swallows every byte) is noticed
 * after {@link ResourceWatcher#SILENCE} without an event or bookmark, counted, and watched again; the
 * change made meanwhile then arrives. The stand-in sends a bookmark every second here, so the test
 * uses a 3 s silence instead of the 90 s the API server's once-a-minute bookmarks need.
 */
@Timeout(60)
class WatchLivenessTest {
    @TempDir
    Path dir;

    @Test
    void aSilentlyLostWatchIsDetectedAndRestarted() throws Exception {
        try (StandInApiServer api = StandInApiServer.builder().bookmarkInterval(Duration.ofSeconds(1)).start();
                TcpRelay relay = new TcpRelay(api.port())) {
            api.create(KubeObjects.service("default", "a", "10.96.0.1", new KubeObjects.Port("http", "TCP", 80)));
            Path kc = KubeClients.writeKubeconfig(dir.resolve("config"), "http://127.0.0.1:" + relay.port(), "default");
            ResourceWatcher<String> w = new ResourceWatcher<>(new KubeClientConfig(kc, null), ResourceRef.SERVICES,
                    null,
                    null, "kubernetes", "test", ResourceLister::key, new Backoff());
            w.silence(Duration.ofSeconds(3));
            w.start();
            try {
                ListLoadTest.until(Duration.ofSeconds(10), () -> w.synced() && api.bookmarksSent() >= 2);
                assertEquals(1, relay.silence());
                long t0 = System.nanoTime();
                api.create(KubeObjects.service("default", "b", "10.96.0.2", new KubeObjects.Port("http", "TCP", 80)));
                ListLoadTest.until(Duration.ofSeconds(30), () -> w.items().size() == 2);
                long ms = (System.nanoTime() - t0) / 1_000_000;
                System.out.println("[TEST] silent connection loss (HTTP/1.1): change visible after " + ms
                        + " ms with a 3 s silence limit; stalls counted: " + w.watchStallsTotal());
                assertEquals(1, w.watchStallsTotal());
                assertTrue(ms < 8_000, ms + " ms");
                assertEquals(0, w.apiErrorsTotal(), "a stall re-watches from the last resourceVersion, no failure");
            } finally {
                w.stop();
            }
        }
    }
}
