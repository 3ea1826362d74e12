package io.nodedns.plugin.kubeforward;

import io.nodedns.k8s.EndpointSliceWatcher;
import io.nodedns.k8s.WatchMetrics;
import io.nodedns.k8s.WatcherRegistry;
import io.nodedns.server.MetricSource;
import java.time.Duration;

/**
 * The kubeforward series, read from the shared watchers at scrape time (labels {@code namespace},
 * {@code service}). Registered once per process, so it survives reloads; a watcher's counters
 * restart only when its Service stops being configured.
 */
final class KubeforwardMetrics implements MetricSource {
    static final String KEY = "kubeforward.metrics";
    private static final String SINCE = " the last successful EndpointSlice list, watch start, event or bookmark.";

    private final WatcherRegistry registry;

    KubeforwardMetrics(WatcherRegistry registry) {
        this.registry = registry;
    }

    @Override
    public void collect(Sink out, String server) {
        for (EndpointSliceWatcher w : registry.watchers()) {
            String[] l = {"namespace", w.namespace(), "service", w.service()};
            out.gauge("coredns_kubeforward_endpoints", "Upstreams the forwarders use now, per Service.",
                    w.endpointsUsed(), l);
            out.gauge("coredns_kubeforward_last_sync_timestamp_seconds", "Unix time of" + SINCE,
                    w.lastSuccessfulSyncSeconds(), l);
            Duration stale = w.staleness();
            if (stale != null) {
                out.gauge("coredns_kubeforward_staleness_seconds", "Seconds since" + SINCE, stale.toMillis() / 1000.0,
                        l);
            }
            out.gauge("coredns_kubeforward_consecutive_failures",
                    "Failed API server list/watch attempts since the last success.",
                    w.consecutiveFailures(), l);
            WatchMetrics.report(out, "coredns_kubeforward", w.apiErrorsTotal(), w.watchStallsTotal(), l);
            out.counter("coredns_kubeforward_table_swaps", "New upstream lists published to the forwarders.",
                    w.tableSwapsTotal(), l);
        }
    }
}
