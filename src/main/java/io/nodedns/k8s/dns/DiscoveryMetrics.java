package io.nodedns.k8s.dns;

import io.nodedns.k8s.DiscoveryBackend;
import io.nodedns.k8s.DiscoveryRegistry;
import io.prometheus.metrics.model.registry.MultiCollector;
import io.prometheus.metrics.model.snapshots.CounterSnapshot;
import io.prometheus.metrics.model.snapshots.GaugeSnapshot;
import io.prometheus.metrics.model.snapshots.Labels;
import io.prometheus.metrics.model.snapshots.MetricSnapshots;

/**
 * Series of the service-discovery backends (kubernetes and multicluster), read at scrape time and
 * labelled by the backend's watched resources ({@code features}): sync state, API errors, objects
 * the converters rejected, and the multicluster EndpointSlices ignored for an FQDN addressType or a
 * missing source-cluster label (docs/decisions.md multicluster 10). Registered once per process.
 */
public final class DiscoveryMetrics implements MultiCollector {
    public static final String KEY = "k8s.discovery.metrics";
    private final DiscoveryRegistry registry;

    public DiscoveryMetrics(DiscoveryRegistry registry) {
        this.registry = registry;
    }

    @Override
    public MetricSnapshots collect() {
        GaugeSnapshot.Builder synced = GaugeSnapshot.builder().name("coredns_kubernetes_synced")
                .help("1 once every watch of the backend has listed, else 0.");
        CounterSnapshot.Builder errors = CounterSnapshot.builder().name("coredns_kubernetes_api_errors")
                .help("Failed API server list/watch attempts.");
        CounterSnapshot.Builder stalls = CounterSnapshot.builder().name("coredns_kubernetes_watch_stalls")
                .help("Watches restarted after 90 s without an event or bookmark (a silently lost connection).");
        CounterSnapshot.Builder rejected = CounterSnapshot.builder().name("coredns_kubernetes_rejected_objects")
                .help("API objects skipped as malformed or out of scope.");
        GaugeSnapshot.Builder ignored = GaugeSnapshot.builder().name("coredns_multicluster_ignored_endpointslices")
                .help("Multicluster EndpointSlices ignored: FQDN addressType or no source-cluster label.");
        for (DiscoveryBackend b : registry.backends()) {
            Labels l = Labels.of("features", b.features().stream().map(Enum::name).sorted().map(String::toLowerCase)
                    .reduce((x, y) -> x + "," + y).orElse(""));
            synced.dataPoint(GaugeSnapshot.GaugeDataPointSnapshot.builder().labels(l).value(b.synced() ? 1 : 0).build());
            errors.dataPoint(CounterSnapshot.CounterDataPointSnapshot.builder().labels(l).value(b.apiErrorsTotal()).build());
            stalls.dataPoint(CounterSnapshot.CounterDataPointSnapshot.builder().labels(l).value(b.watchStallsTotal()).build());
            rejected.dataPoint(CounterSnapshot.CounterDataPointSnapshot.builder().labels(l)
                    .value(b.skippedObjectsTotal()).build());
            if (b.features().contains(DiscoveryBackend.Feature.MULTICLUSTER_ENDPOINTS)) {
                ignored.dataPoint(GaugeSnapshot.GaugeDataPointSnapshot.builder().labels(l)
                        .value(b.ignoredMulticlusterSlices()).build());
            }
        }
        return MetricSnapshots.of(synced.build(), errors.build(), stalls.build(), rejected.build(), ignored.build());
    }
}
