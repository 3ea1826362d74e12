package io.nodedns.k8s;

import io.nodedns.server.MetricSource;

/** The two counters every list+watch user exports (kubernetes, multicluster and kubeforward), under its own prefix. */
public final class WatchMetrics {
    private WatchMetrics() {}

    public static void report(MetricSource.Sink out, String prefix, long apiErrors, long watchStalls,
            String... labels) {
        out.counter(prefix + "_api_errors", "Failed API server list/watch attempts.", apiErrors, labels);
        out.counter(prefix + "_watch_stalls",
                "Watches restarted after 90 s without an event or bookmark (a silently lost connection).", watchStalls,
                labels);
    }
}
