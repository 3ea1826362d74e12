package io.nodedns.k8s;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.nodedns.k8stest.KubeObjects;
import io.nodedns.k8stest.RecordedRequest;
import io.nodedns.k8stest.StandInApiServer;
import io.nodedns.testing.Unmeasured;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * What one watcher costs the API server (issue 19 item 4), read from the stand-in's request log: the
 * first list from the watch cache (resourceVersion=0) with its fallback, no hot loop when continue
 * tokens expire, Retry-After on 429, one connection for list and watch.
 */
@Timeout(60)
@Unmeasured
class ListLoadTest {
    static final String SERVICES = "/api/v1/services";

    @TempDir
    Path dir;

    ResourceWatcher<String> watcher(StandInApiServer api) {
        return watcher(api, new Backoff());
    }

    ResourceWatcher<String> watcher(StandInApiServer api, Backoff backoff) {
        KubeClientConfig config = new KubeClientConfig(api.writeKubeconfig(dir.resolve("config")), null);
        return new ResourceWatcher<>(config, ResourceRef.SERVICES, null, null, "kubernetes", "test",
                o -> ResourceLister.key(o), backoff);
    }

    static void until(Duration timeout, java.util.function.BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out after " + timeout.toMillis() + " ms");
            }
            Thread.sleep(5);
        }
    }

    static List<RecordedRequest> lists(StandInApiServer api) {
        return api.requests().stream().filter(r -> r.isList() && r.path().equals(SERVICES)).toList();
    }

    static void services(StandInApiServer api, int n) {
        for (int i = 0; i < n; i++) {
            api.create(KubeObjects.service("default", "svc-" + i, "10.96." + (i / 250) + "." + (i % 250 + 1),
                    new KubeObjects.Port("http", "TCP", 80)));
        }
    }

    @Test
    void theFirstListReadsTheWatchCacheAndListAndWatchShareOneConnection() throws Exception {
        try (StandInApiServer api = StandInApiServer.builder().start()) {
            services(api, 3);
            ResourceWatcher<String> w = watcher(api);
            w.start();
            try {
                until(Duration.ofSeconds(10), () -> w.synced() && api.openWatchCount() == 1);
                RecordedRequest first = lists(api).getFirst();
                System.out.println("[TEST] first list: " + first.path() + " " + first.query());
                assertEquals("0", first.query().get("resourceVersion"), first.query().toString());
                assertEquals(3, w.items().size());
                Set<Integer> ports = api.requests().stream().map(RecordedRequest::clientPort)
                        .collect(Collectors.toSet());
                assertEquals(1, ports.size(), "list and watch over one connection: " + api.requests());
            } finally {
                w.stop();
            }
        }
    }

    @Test
    void aRefusedCachedListFallsBackToAConsistentList() throws Exception {
        try (StandInApiServer api = StandInApiServer.builder().start()) {
            services(api, 2);
            api.failRequests(410, r -> r.isList() && "0".equals(r.query().get("resourceVersion")));
            ResourceWatcher<String> w = watcher(api);
            w.start();
            try {
                until(Duration.ofSeconds(10), w::synced);
                List<RecordedRequest> lists = lists(api);
                assertEquals("0", lists.get(0).query().get("resourceVersion"));
                assertEquals(null, lists.get(1).query().get("resourceVersion"));
                assertEquals(0, w.apiErrorsTotal(), "a refused cached list is no failure");
            } finally {
                w.stop();
            }
        }
    }

    @Test
    void expiredContinueTokensRestartTheListWithBackoffNotInALoop() throws Exception {
        // The default schedule (0.5 s doubling) scaled down five times, watched for 2 s instead of
        // 10 s: the same attempts fit (at most 6, two list requests each), while a loop without
        // backoff makes hundreds. The 1.6 s cap only shortens the wait for the next attempt once the
        // tokens stop expiring; it is above every step the 2 s reach.
        try (StandInApiServer api = StandInApiServer.builder().start()) {
            services(api, ResourceLister.PAGE * 2 + 1); // three pages
            api.expireContinueTokens(true);
            ResourceWatcher<String> w = watcher(api,
                    new Backoff(Duration.ofMillis(100), Duration.ofMillis(1600),
                            () -> ThreadLocalRandom.current().nextDouble()));
            w.start();
            try {
                Thread.sleep(2_000);
                int n = lists(api).size();
                System.out.println("[TEST] continue-token loop: " + n + " list requests in 2 s, "
                        + w.apiErrorsTotal() + " failures logged");
                assertTrue(n <= 20, n + " list requests in 2 s");
                assertTrue(w.apiErrorsTotal() >= 3, "each restart is a failure with a log line");
                api.expireContinueTokens(false);
                until(Duration.ofSeconds(10), w::synced);
                assertEquals(ResourceLister.PAGE * 2 + 1, w.items().size());
            } finally {
                w.stop();
            }
        }
    }

    @Test
    void a429WaitsForRetryAfter() throws Exception {
        try (StandInApiServer api = StandInApiServer.builder().start()) {
            services(api, 1);
            api.retryAfter(2); // well above the first backoff step (0.25-0.5 s)
            api.failRequests(429, r -> r.isList());
            ResourceWatcher<String> w = watcher(api);
            w.start();
            try {
                // the first list's 429 is counted before the wait: the retry then meets no fault
                until(Duration.ofSeconds(10), () -> w.apiErrorsTotal() >= 1);
                api.clearFaults();
                until(Duration.ofSeconds(10), w::synced);
                List<RecordedRequest> lists = lists(api);
                Duration gap = Duration.between(lists.get(0).at(), lists.get(1).at());
                System.out.println("[TEST] 429 with Retry-After: 2 -> next list after " + gap.toMillis() + " ms");
                assertTrue(gap.toMillis() >= 1900, "retried after " + gap.toMillis() + " ms");
            } finally {
                w.stop();
            }
        }
    }
}
