package io.nodedns.plugin.kubeforward;

import static io.nodedns.plugin.kubeforward.KubeforwardIntegrationTest.await;
import static io.nodedns.plugin.kubeforward.KubeforwardIntegrationTest.slice;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.nodedns.k8s.EndpointSliceWatcher;
import io.nodedns.k8stest.KubeClients;
import io.nodedns.k8stest.RecordedRequest;
import io.nodedns.plugin.forward.ForwardHandler;
import io.nodedns.server.Handler;
import io.nodedns.server.Readiness;
import io.nodedns.testing.DnsClient;
import io.nodedns.testing.FakeUpstream;
import io.nodedns.testing.FreePorts;
import io.nodedns.testing.LogCapture;
import io.nodedns.testing.TestServer;
import io.nodedns.upstream.Upstream;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.xbill.DNS.Message;
import org.xbill.DNS.Rcode;
import org.xbill.DNS.Type;

/**
 * kubeforward under API server failures (issue 4): exponential backoff with jitter instead of a
 * fixed relist loop, one log line per retry step, last known endpoints served throughout,
 * recovery resets the backoff; plus the metric getters.
 */
@Timeout(60)
class KubeforwardBackoffTest extends KubeforwardFixture {
    static final Pattern RETRY = Pattern.compile("retrying in ([0-9.]+)s");

    void startServer() throws Exception {
        Path kc = KubeClients.writeKubeconfig(dir.resolve("kubeconfig"), api.url(), "default");
        port = FreePorts.udpAndTcp();
        String corefile = ".:" + port + " {\n kubeforward {\n  namespace kube-system\n  service_name kube-dns\n"
                + "  port_name dns\n  kubeconfig " + kc + "\n  policy round_robin\n }\n}\n";
        server = TestServer.fromText(corefile,
                TestServer.registry().register("kubeforward", new KubeforwardSetup(Map.of())));
    }

    KubeforwardBinding binding() {
        for (Readiness r : server.server().current().readiness()) {
            if (r instanceof KubeforwardBinding kb) {
                return kb;
            }
        }
        throw new AssertionError("no kubeforward binding");
    }

    List<String> upstreams() {
        for (Handler h : server.server().current().configs().getFirst().handlers()) {
            if (h instanceof ForwardHandler f) {
                return Arrays.stream(f.table().get()).map(Upstream::address)
                        .map(x -> x.getAddress().getHostAddress() + ":" + x.getPort()).sorted().toList();
            }
        }
        throw new AssertionError("no kubeforward handler");
    }

    void awaitUpstreams(FakeUpstream... ups) throws InterruptedException {
        List<String> want = Arrays.stream(ups).map(FakeUpstream::hostPort).sorted().toList();
        await("upstreams " + want, () -> upstreams().equals(want));
    }

    /** One query; it must be answered NOERROR (by the last known endpoints). */
    void queryOk(DnsClient client, int i) throws Exception {
        Message r = client.udp(DnsClient.query("o" + i + ".example.org", Type.A));
        assertNotNull(r, "reply " + i);
        assertEquals(Rcode.NOERROR, r.getRcode(), "query " + i);
    }

    /** Queries every 200 ms for the given time; all must succeed. Returns how many were sent. */
    int serveFor(Duration d) throws Exception {
        long end = System.nanoTime() + d.toNanos();
        int n = 0;
        try (DnsClient client = new DnsClient(port)) {
            while (System.nanoTime() < end) {
                queryOk(client, n++);
                Thread.sleep(200);
            }
        }
        return n;
    }

    EndpointSliceWatcher healthyWatcher() throws InterruptedException {
        EndpointSliceWatcher w = binding().watcher();
        assertNotNull(w);
        await("healthy watch", () -> w.synced() && w.consecutiveFailures() == 0 && !w.degraded()
                && api.openWatchCount() == 1);
        return w;
    }

    List<RecordedRequest> sliceRequests() {
        return api.requests().stream().filter(r -> r.path().contains("endpointslices")).toList();
    }

    static List<Long> gapsMillis(List<RecordedRequest> reqs) {
        List<Long> gaps = new ArrayList<>();
        for (int i = 1; i < reqs.size(); i++) {
            gaps.add(Duration.between(reqs.get(i - 1).at(), reqs.get(i).at()).toMillis());
        }
        return gaps;
    }

    /** At most one warning per failed attempt, all CoreDNS-style single lines, no stack traces. */
    static List<String> checkLog(LogCapture log, long failures) {
        List<String> lines = log.lines();
        for (String l : lines) {
            assertTrue(l.startsWith("["), "CoreDNS-style line: " + l);
            assertTrue(!l.strip().startsWith("at ") && !l.contains("Caused by") && !l.contains("\tat "),
                    "no stack trace: " + l);
        }
        List<String> warnings = lines.stream().filter(l -> l.startsWith("[WARNING] plugin/kubeforward: ")).toList();
        assertTrue(warnings.size() <= failures, warnings.size() + " warnings for " + failures + " failures: " + lines);
        return warnings;
    }

    static List<Double> announcedDelays(List<String> warnings) {
        List<Double> out = new ArrayList<>();
        for (String w : warnings) {
            Matcher m = RETRY.matcher(w);
            assertTrue(m.find(), "names its retry delay: " + w);
            out.add(Double.parseDouble(m.group(1)));
        }
        return out;
    }

    @Test
    void http500BacksOffExponentiallyKeepsServingAndRecoveryResetsTheBackoff() throws Exception {
        api.create(slice("s-a", a, true));
        startServer();
        awaitUpstreams(a);
        EndpointSliceWatcher w = healthyWatcher();
        assertEquals(1, w.endpointsUsed());
        long swapsBefore = w.tableSwapsTotal();
        assertTrue(swapsBefore >= 1);
        double now = System.currentTimeMillis() / 1000.0;
        assertTrue(Math.abs(now - w.lastSuccessfulSyncSeconds()) < 5, "last sync " + w.lastSuccessfulSyncSeconds());
        assertEquals(0, w.apiErrorsTotal());

        List<RecordedRequest> reqs;
        try (LogCapture log = new LogCapture()) {
            api.clearRequests();
            api.failRequests(500);
            api.closeAllWatches(); // the informer's watch ends; every retry now gets a 500
            int served = serveFor(Duration.ofSeconds(6));
            assertTrue(served >= 20 && a.clientQueries() >= served, "upstream a answered all " + served);
            reqs = sliceRequests();
            List<Long> gaps = gapsMillis(reqs);
            System.out.println("[TEST] retry gaps under HTTP 500 (ms): " + gaps);
            assertTrue(reqs.size() >= 3, "at least 3 attempts: " + reqs.size());
            // a fixed ~1 s relist loop makes >= 6 lists (+ watches) in 6 s; 0.5 s doubling makes at most 5
            assertTrue(reqs.size() <= 5, "sub-linear: " + reqs.size() + " requests in 6 s, gaps " + gaps);
            long firstHalf = reqs.stream().filter(r -> r.at().isBefore(reqs.getFirst().at().plusSeconds(3))).count();
            assertTrue(firstHalf >= reqs.size() - firstHalf, "more attempts early than late: " + gaps);
            for (int i = 1; i < gaps.size(); i++) {
                // equal jitter: step n waits [d/2, d] with d doubling, so a gap is never shorter than the one before
                assertTrue(gaps.get(i) >= gaps.get(i - 1) - 100, "gaps never shrink: " + gaps);
            }
            for (long g : gaps) {
                assertTrue(g >= 200 && g <= 4_300, "gap within the first steps' jitter bounds: " + gaps);
            }
            // step n waits [c/2, c], step n+1 [c, 2c], step n+2 [2c, 4c]: two steps apart at least double
            assertTrue(gaps.getLast() > gaps.getFirst(), "later gaps are longer: " + gaps);
            if (gaps.size() >= 3) {
                assertTrue(gaps.get(2) >= 1.8 * gaps.get(0), "two steps later at least ~double: " + gaps);
            }
            assertTrue(w.consecutiveFailures() >= 3, "consecutive failures " + w.consecutiveFailures());
            assertTrue(w.apiErrorsTotal() >= 3);
            assertTrue(w.degraded());
            assertTrue(w.staleness().compareTo(Duration.ofSeconds(5)) > 0, "stale: " + w.staleness());
            assertEquals(List.of(a.hostPort()), upstreams(), "last known endpoints kept");
            assertEquals(1, w.endpointsUsed());
            assertTrue(binding().ready(), "ready stays true");

            List<String> warnings = checkLog(log, w.apiErrorsTotal());
            assertTrue(warnings.size() >= 3, "a line per retry step: " + warnings);
            assertTrue(warnings.stream().allMatch(l -> l.contains("HTTP 500") || l.contains("watch")),
                    warnings.toString());
            List<Double> delays = announcedDelays(warnings);
            System.out.println("[TEST] announced delays (s): " + delays);

            api.clearFaults();
            assertNotNull(log.await("again after", 10_000), "recovery is logged once: " + log.lines());
            await("recovered", () -> w.consecutiveFailures() == 0 && !w.degraded());
            assertEquals(1, log.lines().stream().filter(l -> l.contains("again after")).count());
        }
        assertTrue(w.staleness().compareTo(Duration.ofSeconds(3)) < 0, "fresh again: " + w.staleness());
        api.create(slice("s-b", b, true)); // the watch works again
        awaitUpstreams(a, b);
        assertEquals(2, w.endpointsUsed());
        assertTrue(w.tableSwapsTotal() > swapsBefore);
        long errors = w.apiErrorsTotal();

        // the backoff started over: the first retry of a new outage comes after ~0.25-0.5 s, not 4-8 s
        await("healthy", () -> w.consecutiveFailures() == 0 && api.openWatchCount() == 1);
        try (LogCapture log = new LogCapture()) {
            api.clearRequests();
            api.failRequests(500);
            api.closeAllWatches();
            Thread.sleep(1_200);
            List<RecordedRequest> again = sliceRequests();
            List<Long> gaps = gapsMillis(again);
            System.out.println("[TEST] retry gaps after the reset (ms): " + gaps);
            assertTrue(again.size() >= 2, "retried soon: " + again.size());
            assertTrue(gaps.getFirst() <= 1_100, "backoff was reset (not 4-8 s): " + gaps);
            List<String> warnings = checkLog(log, w.apiErrorsTotal() - errors);
            assertTrue(warnings.getFirst().contains("(attempt 1)"), warnings.toString());
            assertTrue(announcedDelays(warnings).getFirst() <= 0.5, "first step again: " + warnings);
        }
        assertTrue(w.apiErrorsTotal() > errors, "errors total keeps counting");
        api.clearFaults();
        serveFor(Duration.ofMillis(400));
    }

    /** The value of one kubeforward series for kube-system/kube-dns, as the process-wide metric sources report it. */
    double scrape(String name) {
        return io.nodedns.testing.MetricValues.of(server.server().shared().metrics())
                .value(name, "namespace", "kube-system", "service", "kube-dns");
    }

    @Test
    void metricsAreExported() throws Exception {
        api.create(slice("s-a", a, true));
        api.create(slice("s-b", b, true));
        startServer();
        awaitUpstreams(a, b);
        EndpointSliceWatcher w = healthyWatcher();
        assertEquals(2, scrape("coredns_kubeforward_endpoints"));
        assertEquals(0, scrape("coredns_kubeforward_consecutive_failures"));
        assertEquals(0, scrape("coredns_kubeforward_api_errors"));
        assertEquals(0, scrape("coredns_kubeforward_watch_stalls"));
        assertTrue(scrape("coredns_kubeforward_table_swaps") >= 1);
        assertTrue(Math.abs(
                System.currentTimeMillis() / 1000.0 - scrape("coredns_kubeforward_last_sync_timestamp_seconds")) < 5);
        assertTrue(scrape("coredns_kubeforward_staleness_seconds") < 5);
        api.failRequests(500);
        api.closeAllWatches();
        await("two failures", () -> w.consecutiveFailures() >= 2);
        assertTrue(scrape("coredns_kubeforward_consecutive_failures") >= 2);
        assertTrue(scrape("coredns_kubeforward_api_errors") >= 2);
        assertEquals(2, scrape("coredns_kubeforward_endpoints"), "last known endpoints still used");
        api.clearFaults();
        await("recovered", () -> w.consecutiveFailures() == 0);
        assertEquals(0, scrape("coredns_kubeforward_consecutive_failures"));
    }

    @Test
    void apiServerStopAndStartBacksOffAndRecovers() throws Exception {
        api.create(slice("s-a", a, true));
        startServer();
        awaitUpstreams(a);
        EndpointSliceWatcher w = healthyWatcher();
        try (LogCapture log = new LogCapture()) {
            api.stop();
            serveFor(Duration.ofSeconds(5));
            long failures = w.apiErrorsTotal();
            // 0.5 s doubling: attempts at ~0, 0.5, 1.5, 3.5 s (+ jitter); a fixed 1 s loop would make 5 or more
            assertTrue(failures >= 3 && failures <= 5, "failed attempts in 5 s: " + failures);
            List<String> warnings = checkLog(log, failures);
            assertTrue(warnings.size() >= 3, warnings.toString());
            List<Double> delays = announcedDelays(warnings);
            System.out.println("[TEST] announced delays while the API server is down (s): " + delays);
            for (int i = 1; i < delays.size(); i++) {
                assertTrue(delays.get(i) >= delays.get(i - 1) - 0.05, "delays never shrink: " + delays);
            }
            assertTrue(delays.getLast() > delays.getFirst(), "delays grow: " + delays);
            assertTrue(delays.get(2) >= 1.8 * delays.get(0) - 0.1, "two steps later at least ~double: " + delays);
            assertTrue(w.staleness().compareTo(Duration.ofSeconds(4)) > 0);
            assertEquals(List.of(a.hostPort()), upstreams());

            api.create(slice("s-b", b, true)); // changed while the server was down
            api.start();
            awaitUpstreams(a, b);
            await("recovered", () -> w.consecutiveFailures() == 0 && !w.degraded());
            assertEquals(1, log.lines().stream().filter(l -> l.contains("again after")).count(),
                    log.lines().toString());
            checkLog(log, w.apiErrorsTotal());
        }
        assertTrue(w.staleness().compareTo(Duration.ofSeconds(3)) < 0);
        assertEquals(2, w.endpointsUsed());
        serveFor(Duration.ofMillis(400));
    }
}
