package io.nodedns.plugin.kubeforward;

import io.nodedns.k8s.EndpointSliceWatcher;
import io.nodedns.k8s.WatcherRegistry;
import io.prometheus.metrics.model.registry.MultiCollector;
import io.prometheus.metrics.model.snapshots.CounterSnapshot;
import io.prometheus.metrics.model.snapshots.GaugeSnapshot;
import io.prometheus.metrics.model.snapshots.Labels;
import io.prometheus.metrics.model.snapshots.MetricSnapshots;
import java.time.Duration;
import java.util.List;

/**
 * The kubeforward series, read from the shared watchers at scrape time (labels {@code namespace},
 * {@code service}). Registered once per process with the prometheus plugin's registry, so it
 * survives reloads; a watcher's counters restart only when its Service stops being configured.
 */
final class KubeforwardMetrics implements MultiCollector {
    static final String KEY = "kubeforward.metrics";

    private final WatcherRegistry registry;

    KubeforwardMetrics(WatcherRegistry registry) {
        this.registry = registry;
    }

    @Override
    public MetricSnapshots collect() {
        List<EndpointSliceWatcher> watchers = registry.watchers();
        GaugeSnapshot.Builder endpoints = GaugeSnapshot.builder().name("coredns_kubeforward_endpoints")
                .help("Upstreams the forwarders use now, per Service.");
        GaugeSnapshot.Builder lastSync = GaugeSnapshot.builder().name("coredns_kubeforward_last_sync_timestamp_seconds")
                .help("Unix time of the last successful EndpointSlice list, watch start, event or bookmark.");
        GaugeSnapshot.Builder stale = GaugeSnapshot.builder().name("coredns_kubeforward_staleness_seconds")
                .help("Seconds since the last successful EndpointSlice list, watch start, event or bookmark.");
        GaugeSnapshot.Builder failures = GaugeSnapshot.builder().name("coredns_kubeforward_consecutive_failures")
                .help("Failed API server list/watch attempts since the last success.");
        CounterSnapshot.Builder errors = CounterSnapshot.builder().name("coredns_kubeforward_api_errors")
                .help("Failed API server list/watch attempts.");
        CounterSnapshot.Builder stalls = CounterSnapshot.builder().name("coredns_kubeforward_watch_stalls")
                .help("Watches restarted after 90 s without an event or bookmark (a silently lost connection).");
        CounterSnapshot.Builder swaps = CounterSnapshot.builder().name("coredns_kubeforward_table_swaps")
                .help("New upstream lists published to the forwarders.");
        for (EndpointSliceWatcher w : watchers) {
            Labels l = Labels.of("namespace", w.namespace(), "service", w.service());
            endpoints.dataPoint(GaugeSnapshot.GaugeDataPointSnapshot.builder().labels(l).value(w.endpointsUsed()).build());
            lastSync.dataPoint(GaugeSnapshot.GaugeDataPointSnapshot.builder().labels(l)
                    .value(w.lastSuccessfulSyncSeconds()).build());
            Duration s = w.staleness();
            if (s != null) {
                stale.dataPoint(GaugeSnapshot.GaugeDataPointSnapshot.builder().labels(l)
                        .value(s.toMillis() / 1000.0).build());
            }
            failures.dataPoint(GaugeSnapshot.GaugeDataPointSnapshot.builder().labels(l)
                    .value(w.consecutiveFailures()).build());
            errors.dataPoint(CounterSnapshot.CounterDataPointSnapshot.builder().labels(l).value(w.apiErrorsTotal()).build());
            stalls.dataPoint(CounterSnapshot.CounterDataPointSnapshot.builder().labels(l).value(w.watchStallsTotal()).build());
            swaps.dataPoint(CounterSnapshot.CounterDataPointSnapshot.builder().labels(l).value(w.tableSwapsTotal()).build());
        }
        return MetricSnapshots.of(endpoints.build(), lastSync.build(), stale.build(), failures.build(), errors.build(),
                stalls.build(), swaps.build());
    }
}
