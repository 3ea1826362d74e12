package io.nodedns.plugin.kubeforward;

import static io.nodedns.plugin.kubeforward.KubeforwardIntegrationTest.await;
import static io.nodedns.plugin.kubeforward.KubeforwardIntegrationTest.slice;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.nodedns.k8s.Backoff;
import io.nodedns.k8s.EndpointSliceWatcher;
import io.nodedns.k8stest.RecordedRequest;
import io.nodedns.plugin.forward.ForwardHandler;
import io.nodedns.server.Handler;
import io.nodedns.server.Readiness;
import io.nodedns.testing.DnsClient;
import io.nodedns.testing.FakeUpstream;
import io.nodedns.testing.LogCapture;
import io.nodedns.upstream.Upstream;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.FutureTask;
import java.util.concurrent.ThreadLocalRandom;
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
 * recovery resets the backoff; plus the metric getters. The watcher runs production's schedule
 * (0.5 s doubling to 30 s, equal jitter) four times faster, as ListLoadTest scales it down: the same
 * steps, counts and ratios in a quarter of the time, every bound below scaled alike.
 */
@Timeout(60)
class KubeforwardBackoffTest extends KubeforwardFixture {
    static final Pattern RETRY = Pattern.compile("retrying in ([0-9.]+)s");
    static final int SPEEDUP = 4;
    /** The first step's ceiling: step n waits [STEP/2, STEP] * 2^n. */
    static final long STEP = Backoff.INITIAL.toMillis() / SPEEDUP;

    {
        backoffs = () -> new Backoff(Duration.ofMillis(STEP), Backoff.CAP.dividedBy(SPEEDUP),
                () -> ThreadLocalRandom.current().nextDouble());
    }

    void startServer() throws Exception {
        startServer("");
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

    /** Queries every 50 ms for the given time; all must succeed. Returns how many were sent. */
    int serveFor(Duration d) throws Exception {
        return serveFor(d, 0);
    }

    /** As {@link #serveFor(Duration)}, going on past the time until at least {@code atLeast} were sent. */
    int serveFor(Duration d, int atLeast) throws Exception {
        long end = System.nanoTime() + d.toNanos();
        int n = 0;
        try (DnsClient client = new DnsClient(port)) {
            while (System.nanoTime() < end || n < atLeast) {
                queryOk(client, n++);
                Thread.sleep(50);
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
            long window = 12 * STEP; // 6 s at production's pace
            Instant windowEnd = Instant.now().plusMillis(window);
            // 20 queries, as many as production's 6 s saw, however slow a loaded machine answers them
            int served = serveFor(Duration.ofMillis(window), 20);
            assertTrue(a.clientQueries() >= served, "upstream a answered all " + served);
            reqs = sliceRequests().stream().filter(r -> r.at().isBefore(windowEnd)).toList();
            List<Long> gaps = gapsMillis(reqs);
            System.out.println("[TEST] retry gaps under HTTP 500 (ms): " + gaps);
            assertTrue(reqs.size() >= 3, "at least 3 attempts: " + reqs.size());
            // a fixed relist loop every 2 STEP makes >= 6 lists (+ watches) in 12 STEP; doubling from STEP makes at most 5
            assertTrue(reqs.size() <= 5, "sub-linear: " + reqs.size() + " requests in " + window + " ms, gaps " + gaps);
            long firstHalf = reqs.stream()
                    .filter(r -> r.at().isBefore(reqs.getFirst().at().plusMillis(window / 2))).count();
            assertTrue(firstHalf >= reqs.size() - firstHalf, "more attempts early than late: " + gaps);
            for (int i = 1; i < gaps.size(); i++) {
                // equal jitter: step n waits [d/2, d] with d doubling, so a gap is never shorter than the one before
                // the slack is absolute: handling a failed request costs the same at any speed-up
                assertTrue(gaps.get(i) >= gaps.get(i - 1) - 100, "gaps never shrink: " + gaps);
            }
            for (long g : gaps) {
                assertTrue(g >= STEP / 2 - 30 && g <= 8 * STEP + 300,
                        "gap within the first steps' jitter bounds: " + gaps);
            }
            // step n waits [c/2, c], step n+1 [c, 2c], step n+2 [2c, 4c]: two steps apart at least double
            assertTrue(gaps.getLast() > gaps.getFirst(), "later gaps are longer: " + gaps);
            if (gaps.size() >= 3) {
                assertTrue(gaps.get(2) >= 1.8 * gaps.get(0) - 60, "two steps later at least ~double: " + gaps);
            }
            assertTrue(w.consecutiveFailures() >= 3, "consecutive failures " + w.consecutiveFailures());
            assertTrue(w.apiErrorsTotal() >= 3);
            assertTrue(w.degraded());
            assertTrue(w.staleness().compareTo(Duration.ofMillis(10 * STEP)) > 0, "stale: " + w.staleness());
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

        // the backoff started over: the first retry of a new outage comes after STEP/2 to STEP, not
        // after the 8 STEP to 16 STEP of the step the outage above had reached
        await("healthy", () -> w.consecutiveFailures() == 0 && api.openWatchCount() == 1);
        try (LogCapture log = new LogCapture()) {
            api.clearRequests();
            api.failRequests(500);
            api.closeAllWatches();
            await("a retry", () -> sliceRequests().size() >= 2);
            List<RecordedRequest> again = sliceRequests();
            List<Long> gaps = gapsMillis(again);
            System.out.println("[TEST] retry gaps after the reset (ms): " + gaps);
            // not reset, the first gap would be at least the fourth step's 4 STEP (three failures above)
            assertTrue(gaps.getFirst() < 4 * STEP, "backoff was reset: " + gaps);
            List<String> warnings = checkLog(log, w.apiErrorsTotal() - errors);
            assertTrue(warnings.getFirst().contains("(attempt 1)"), warnings.toString());
            assertTrue(announcedDelays(warnings).getFirst() <= STEP / 1000.0 + 0.05, "first step again: " + warnings);
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
            // the count is read when the window ends, not after a query that ran past it
            FutureTask<Integer> queries = new FutureTask<>(() -> serveFor(Duration.ofMillis(10 * STEP)));
            Thread.ofVirtual().start(queries);
            Thread.sleep(10 * STEP);
            long failures = w.apiErrorsTotal();
            queries.get(); // every query answered, or its failure thrown here
            // doubling from STEP: attempts at ~0, 1, 3, 7 STEP (+ jitter); a fixed 2 STEP loop would make 5 or more
            assertTrue(failures >= 3 && failures <= 5, "failed attempts in 10 STEP: " + failures);
            // attempts went on while the last query ended: the log is held to the count now
            List<String> warnings = checkLog(log, w.apiErrorsTotal());
            assertTrue(warnings.size() >= 3, warnings.toString());
            List<Double> delays = announcedDelays(warnings);
            System.out.println("[TEST] announced delays while the API server is down (s): " + delays);
            for (int i = 1; i < delays.size(); i++) {
                assertTrue(delays.get(i) >= delays.get(i - 1) - 0.05, "delays never shrink: " + delays);
            }
            assertTrue(delays.getLast() > delays.getFirst(), "delays grow: " + delays);
            // STEP/2 to STEP, then 2 STEP to 4 STEP: even rounded to the logged 0.1 s, at least ~double
            assertTrue(delays.get(2) >= 1.8 * delays.get(0), "two steps later at least ~double: " + delays);
            assertTrue(w.staleness().compareTo(Duration.ofMillis(8 * STEP)) > 0);
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
