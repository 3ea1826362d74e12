package io.nodedns.plugin.multicluster;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.nodedns.k8s.DiscoveryBackend;
import io.nodedns.k8stest.DiscoveryScale;
import io.nodedns.k8stest.StandInApiServer;
import io.nodedns.testing.FreePorts;
import io.nodedns.testing.OpenLoopLoad;
import io.nodedns.testing.TestServer;
import java.lang.management.ManagementFactory;
import java.nio.file.Path;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 6 scale figures (run by bench/discovery-scale.sh, not in every build): 10,000
 * ServiceImports (half ClusterSetIP, half headless) in 100 namespaces, each exported by 3 clusters
 * (30,000 EndpointSlices, 60,000 endpoints) in the stand-in API; reports the time to sync, the heap
 * the backend holds, and answer latency at a fixed rate of queries for existing names.
 */
@Tag("slow")
class DiscoveryScaleTest {
    static final int SERVICES = Integer.getInteger("scale.services", 10_000);
    static final int CLUSTERS = 3;
    static final int RATE = Integer.getInteger("scale.rate", 5_000);
    static final int SECONDS = Integer.getInteger("scale.seconds", 20);

    @TempDir
    Path dir;

    static long usedHeapAfterGc() throws InterruptedException {
        for (int i = 0; i < 3; i++) {
            System.gc();
            Thread.sleep(200);
        }
        var mem = ManagementFactory.getMemoryMXBean().getHeapMemoryUsage();
        return mem.getUsed();
    }

    @Test
    @Timeout(600)
    void tenThousandServicesTimesThreeClusters() throws Exception {
        try (StandInApiServer api = DiscoveryScale.apiServer()) {
            long t0 = System.nanoTime();
            DiscoveryScale.populate(api, true, SERVICES, CLUSTERS);
            long populated = System.nanoTime();
            long heapBefore = usedHeapAfterGc();
            int port = FreePorts.udpAndTcp();
            long s0 = System.nanoTime();
            try (TestServer server = DiscoveryScale.serve(api, dir, port, "multicluster", "clusterset.local")) {
                DiscoveryBackend b = DiscoveryScale.syncedBackend(server, java.time.Duration.ofSeconds(120));
                long syncMs = (System.nanoTime() - s0) / 1_000_000;
                long heapAfter = usedHeapAfterGc();
                assertEquals(SERVICES, b.view().importCount());

                OpenLoopLoad load = new OpenLoopLoad(port, RATE, RATE * (SECONDS + 2), 2, 2_000_000_000L, "scale")
                        .names(i -> "svc" + (i * 7919 % SERVICES) + "." + DiscoveryScale.ns(i * 7919 % SERVICES)
                                + ".svc.clusterset.local");
                load.warmUp(2000);
                long l0 = System.nanoTime() + 50_000_000L;
                load.start(l0);
                Thread.sleep(SECONDS * 1000L + 50);
                load.endAt = System.nanoTime();
                load.finish();
                long[] lat = load.sortedLatencies();
                int failed = load.failedSentBetween(0, Long.MAX_VALUE);
                String summary = String.format(
                        "[TEST] discovery scale: %d ServiceImports x %d clusters (%d EndpointSlices,"
                                + " %d endpoints) in %d namespaces; stand-in populated in %.1f s; nodedns synced %d ms after"
                                + " start; heap held by nodedns after GC %.1f MiB (%.0f bytes per slice); %d qps for %d s:"
                                + " sent %d, failed %d, latency p50 %.3f ms p99 %.3f ms p99.9 %.3f ms max %.3f ms",
                        SERVICES, CLUSTERS, SERVICES * CLUSTERS, SERVICES * CLUSTERS * 2, DiscoveryScale.NAMESPACES,
                        (populated - t0) / 1e9, syncMs, (heapAfter - heapBefore) / 1048576.0,
                        (heapAfter - heapBefore) / (double) (SERVICES * CLUSTERS), RATE, SECONDS, load.sent, failed,
                        DiscoveryScale.pct(lat, 50), DiscoveryScale.pct(lat, 99), DiscoveryScale.pct(lat, 99.9),
                        lat[lat.length - 1] / 1e6);
                System.out.println(summary);
                assertEquals(0, failed, summary);
            }
        }
    }
}
