package io.nodedns.k8s;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.nodedns.k8stest.KubeObjects;
import io.nodedns.k8stest.RecordedRequest;
import io.nodedns.k8stest.StandInApiServer;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * multicluster's ServiceImport version is found by one discovery request (issue 19 item 6): a
 * v1alpha1-only cluster costs no failed list, no API error and no WARNING at start.
 */
@Timeout(60)
class VersionProbeTest {
    static final ResourceRef[] VERSIONS = {ResourceRef.serviceImports("v1beta1"),
            ResourceRef.serviceImports("v1alpha1")};

    @TempDir
    Path dir;

    ResourceWatcher<String> watcher(StandInApiServer api) {
        return new ResourceWatcher<>(new KubeClientConfig(api.writeKubeconfig(dir.resolve("config")), null), VERSIONS,
                null,
                null, "multicluster", "the cluster", ResourceLister::key, new Backoff());
    }

    static List<String> paths(StandInApiServer api) {
        return api.requests().stream().filter(r -> !r.isWatch()).map(RecordedRequest::path).toList();
    }

    @Test
    void aV1alpha1OnlyClusterIsFoundWithoutAFailedList() throws Exception {
        try (StandInApiServer api = StandInApiServer.builder().serviceImportVersions("v1alpha1").start()) {
            api.create(KubeObjects.serviceImport("v1alpha1", "default", "web", "ClusterSetIP", List.of("10.0.0.1")));
            ResourceWatcher<String> w = watcher(api);
            w.start();
            try {
                ListLoadTest.until(Duration.ofSeconds(10), w::synced);
                assertEquals(0, w.apiErrorsTotal());
                assertEquals("v1alpha1", w.resource().version());
                assertEquals(
                        List.of("/apis/multicluster.x-k8s.io", "/apis/multicluster.x-k8s.io/v1alpha1/serviceimports"),
                        paths(api));
                assertEquals(1, w.items().size());
            } finally {
                w.stop();
            }
        }
    }

    @Test
    void bothServedPicksV1beta1() throws Exception {
        try (StandInApiServer api = StandInApiServer.builder().serviceImportVersions("v1alpha1", "v1beta1").start()) {
            ResourceWatcher<String> w = watcher(api);
            w.start();
            try {
                ListLoadTest.until(Duration.ofSeconds(10), w::synced);
                assertEquals("v1beta1", w.resource().version());
                assertEquals(0, w.apiErrorsTotal());
            } finally {
                w.stop();
            }
        }
    }

    @Test
    void noServiceImportCrdIsAFailureThatSaysSo() throws Exception {
        try (StandInApiServer api = StandInApiServer.builder().serviceImportVersions().start()) {
            ResourceWatcher<String> w = watcher(api);
            w.start();
            try {
                ListLoadTest.until(Duration.ofSeconds(10), () -> w.apiErrorsTotal() >= 1);
                assertTrue(!w.synced());
            } finally {
                w.stop();
            }
        }
    }
}
