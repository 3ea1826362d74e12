package io.nodedns.plugin.kubernetes;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.nodedns.k8s.DiscoveryBackend;
import io.nodedns.k8stest.DiscoveryScale;
import io.nodedns.k8stest.StandInApiServer;
import io.nodedns.testing.FreePorts;
import io.nodedns.testing.OpenLoopLoad;
import io.nodedns.testing.TestServer;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 19 item 2 figures (run by bench/discovery-churn.sh, not in every build): N Services (half
 * ClusterIP, half headless, one EndpointSlice of 2 endpoints each) or N ServiceImports (3 clusters
 * each) in 100 namespaces; after a 5 s warm-up, queries for existing names at a fixed rate in two
 * rounds of a phase without churn and a phase while the stand-in API server rewrites
 * {@code scale.churn} EndpointSlices per second (a rolling deploy). Reports per phase the CPU of the watch side (the threads nodedns's watchers and view
 * run on: nodedns-k8s-*, OkHttp*), the process's CPU and the answer latency.
 */
@Tag("slow")
class DiscoveryChurnTest {
    static final int SERVICES = Integer.getInteger("scale.services", 10_000);
    static final int CLUSTERS = 3;
    static final int RATE = Integer.getInteger("scale.rate", 5_000);
    static final int SECONDS = Integer.getInteger("scale.seconds", 20);
    static final int CHURN = Integer.getInteger("scale.churn", 20);
    static final String MODE = System.getProperty("scale.mode", "kubernetes"); // or multicluster

    @TempDir
    Path dir;
    /** Each write changes the slice (the API server sends no event for an update that changes nothing). */
    final AtomicInteger generation = new AtomicInteger();

    @Test
    @Timeout(900)
    void queriesWhileEndpointSlicesChurn() throws Exception {
        boolean mcs = MODE.equals("multicluster");
        try (StandInApiServer api = DiscoveryScale.apiServer()) {
            DiscoveryScale.populate(api, mcs, SERVICES, CLUSTERS);
            int port = FreePorts.udpAndTcp();
            String zone = mcs ? "clusterset.local" : "cluster.local";
            try (TestServer server = DiscoveryScale.serve(api, dir, port, MODE, zone)) {
                DiscoveryBackend b = DiscoveryScale.syncedBackend(server, Duration.ofSeconds(300));
                assertEquals(SERVICES, mcs ? b.view().importCount() : b.view().serviceCount());
                try (io.nodedns.testing.DnsClient dns = new io.nodedns.testing.DnsClient(port)) {
                    for (int i = 0; i < 2; i++) { // a ClusterIP and a headless name answer before anything is measured
                        org.xbill.DNS.Message r = dns.udp(io.nodedns.testing.DnsClient.query(
                                "svc" + i + "." + DiscoveryScale.ns(i) + ".svc." + zone + ".", org.xbill.DNS.Type.A));
                        assertTrue(
                                r != null && r.getRcode() == 0 && r.getSection(org.xbill.DNS.Section.ANSWER).size() > 0,
                                "svc" + i + ": " + r);
                    }
                }
                phase(b, api, port, zone, 0, 5); // JIT-compiles the answer path; not reported
                StringBuilder out = new StringBuilder("[TEST] discovery churn: " + MODE + " " + SERVICES
                        + (mcs ? " ServiceImports" : " Services") + ", " + RATE + " qps for " + SECONDS
                        + " s per phase");
                for (int round = 1; round <= 2; round++) { // alternated, so a load change on the machine shows
                    out.append("\n  round ").append(round).append(" no churn: ")
                            .append(phase(b, api, port, zone, 0, SECONDS));
                    out.append("\n  round ").append(round).append(' ').append(CHURN)
                            .append(" EndpointSlice updates/s: ")
                            .append(phase(b, api, port, zone, CHURN, SECONDS));
                }
                out.append("\n  loadavg at the end ")
                        .append(java.nio.file.Files.readString(Path.of("/proc/loadavg")).trim());
                System.out.println(out);
            }
        }
    }

    /** One measured phase: load at RATE for SECONDS while `churn` slices per second are rewritten. */
    String phase(DiscoveryBackend b, StandInApiServer api, int port, String zone, int churn, int seconds)
            throws Exception {
        OpenLoopLoad load = new OpenLoopLoad(port, RATE, RATE * (seconds + 2), 2, 2_000_000_000L, "churn")
                .names(i -> "svc" + (i * 7919 % SERVICES) + "." + DiscoveryScale.ns(i * 7919 % SERVICES) + ".svc."
                        + zone);
        load.warmUp(2000);
        AtomicBoolean running = new AtomicBoolean(true);
        AtomicInteger written = new AtomicInteger();
        Thread churner = Thread.ofPlatform().daemon().name("churn").start(() -> {
            long period = churn == 0 ? 0 : 1_000_000_000L / churn;
            long next = System.nanoTime();
            while (running.get() && churn > 0) {
                int k = generation.incrementAndGet();
                next += period;
                java.util.concurrent.locks.LockSupport.parkNanos(next - System.nanoTime());
                int svc = k * 7907 % SERVICES;
                boolean mcs = MODE.equals("multicluster");
                api.apply(DiscoveryScale.slice(mcs, svc, k % (mcs ? CLUSTERS : 1), k));
                written.incrementAndGet();
            }
        });
        long bursts0 = b.rebuildsTotal();
        long watch0 = watchSideCpuNanos();
        long proc0 = processCpuNanos();
        long t0 = System.nanoTime();
        load.start(t0 + 50_000_000L);
        Thread.sleep(seconds * 1000L + 50);
        load.endAt = System.nanoTime();
        long wall = System.nanoTime() - t0;
        long watch = watchSideCpuNanos() - watch0;
        long proc = processCpuNanos() - proc0;
        running.set(false);
        churner.join();
        load.finish();
        long[] lat = load.sortedLatencies();
        int failed = load.failedSentBetween(0, Long.MAX_VALUE);
        String failures = "";
        if (failed > 0) { // reported, not fatal: an overloaded run still says how it failed
            int unanswered = 0;
            java.util.Map<Integer, Integer> rcodes = new java.util.TreeMap<>();
            String example = null;
            for (int i = 0; i < load.sent; i++) {
                if (load.repliedAt[i] == 0) {
                    unanswered++;
                } else if (load.rcode[i] != 0) {
                    rcodes.merge((int) load.rcode[i], 1, Integer::sum);
                    example = example == null ? "svc" + (i * 7919 % SERVICES) : example;
                }
            }
            failures = " (unanswered within 2 s " + unanswered + ", rcodes " + rcodes
                    + (example == null ? "" : ", e.g. " + example) + ")";
        }
        return String.format(java.util.Locale.ROOT,
                "slices written %d, view change bursts %d; watch-side CPU %.2f %% of a core"
                        + " (%.0f ms), process CPU %.1f %% of a core; sent %d, failed %d%s, latency p50 %.3f ms p99 %.3f ms"
                        + " p99.9 %.3f ms max %.3f ms",
                written.get(), b.rebuildsTotal() - bursts0, 100.0 * watch / wall, watch / 1e6, 100.0 * proc / wall,
                load.sent,
                failed, failures, DiscoveryScale.pct(lat, 50), DiscoveryScale.pct(lat, 99),
                DiscoveryScale.pct(lat, 99.9), lat[lat.length - 1] / 1e6);
    }

    /** CPU of the threads the watchers, their HTTP client and the view's notifier run on. */
    static long watchSideCpuNanos() {
        ThreadMXBean mx = ManagementFactory.getThreadMXBean();
        long sum = 0;
        for (Thread t : Thread.getAllStackTraces().keySet()) {
            String n = t.getName();
            if (n.startsWith("nodedns-k8s-") || n.startsWith("OkHttp")) {
                long c = mx.getThreadCpuTime(t.threadId());
                sum += Math.max(0, c);
            }
        }
        return sum;
    }

    static long processCpuNanos() {
        return ((com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean())
                .getProcessCpuTime();
    }
}
