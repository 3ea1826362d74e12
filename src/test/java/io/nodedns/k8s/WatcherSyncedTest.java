package io.nodedns.k8s;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.nodedns.k8stest.StandInApiServer;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A watcher says synced only once its first list reached every observer: the service-discovery
 * backend serves as soon as all its watchers say synced, so a watcher that said it before its
 * objects were in the view let a server answer NXDOMAIN for a Service the list held
 * (KubernetesOptionsTest failed so, 1 run in 5, after a 77 ms start).
 */
@Timeout(60)
class WatcherSyncedTest {
    @TempDir
    Path dir;

    @Test
    void syncedOnlyAfterTheObserversHoldTheFirstList() throws Exception {
        try (StandInApiServer api = StandInApiServer.builder().start()) {
            ListLoadTest.services(api, 3);
            ResourceWatcher<String> w = new ResourceWatcher<>(
                    new KubeClientConfig(api.writeKubeconfig(dir.resolve("config")), null), ResourceRef.SERVICES,
                    null, null, "kubernetes", "test", ResourceLister::key, new Backoff());
            List<Boolean> syncedWhileObserving = new CopyOnWriteArrayList<>();
            AtomicInteger observed = new AtomicInteger();
            AtomicInteger observedWhenSynced = new AtomicInteger(-1);
            w.addObserver((before, after) -> {
                syncedWhileObserving.add(w.synced());
                observed.incrementAndGet();
            });
            w.addListener(() -> {
                if (w.synced()) {
                    observedWhenSynced.compareAndSet(-1, observed.get());
                }
            });
            w.start();
            try {
                ListLoadTest.until(Duration.ofSeconds(10), () -> observedWhenSynced.get() >= 0);
                assertEquals(List.of(false, false, false), syncedWhileObserving,
                        "not synced while the list is applied");
                assertEquals(3, observedWhenSynced.get(), "every listed object observed before synced");
                assertEquals(3, w.items().size());
            } finally {
                w.stop();
            }
        }
    }
}
