package io.nodedns.k8s.dns;

import io.nodedns.k8s.DiscoveryBackend;
import io.nodedns.k8s.DiscoveryRegistry;
import io.nodedns.k8s.WatchMetrics;
import io.nodedns.server.MetricSource;

/**
 * Series of the service-discovery backends (kubernetes and multicluster), read at scrape time and
 * labelled by the backend's watched resources ({@code features}): sync state, API errors, objects
 * the converters rejected, and the multicluster EndpointSlices ignored for an FQDN addressType or a
 * missing source-cluster label (docs/decisions.md multicluster 10). Registered once per process.
 */
public final class DiscoveryMetrics implements MetricSource {
    public static final String KEY = "k8s.discovery.metrics";
    private final DiscoveryRegistry registry;

    public DiscoveryMetrics(DiscoveryRegistry registry) {
        this.registry = registry;
    }

    @Override
    public void collect(Sink out, String server) {
        for (DiscoveryBackend b : registry.backends()) {
            String features = b.features().stream().map(Enum::name).sorted().map(String::toLowerCase)
                    .reduce((x, y) -> x + "," + y).orElse("");
            out.gauge("coredns_kubernetes_synced", "1 once every watch of the backend has listed, else 0.",
                    b.synced() ? 1 : 0, "features", features);
            WatchMetrics.report(out, "coredns_kubernetes", b.apiErrorsTotal(), b.watchStallsTotal(), "features",
                    features);
            out.counter("coredns_kubernetes_rejected_objects", "API objects skipped as malformed or out of scope.",
                    b.skippedObjectsTotal(), "features", features);
            if (b.features().contains(DiscoveryBackend.Feature.MULTICLUSTER_ENDPOINTS)) {
                out.gauge("coredns_multicluster_ignored_endpointslices",
                        "Multicluster EndpointSlices ignored: FQDN addressType or no source-cluster label.",
                        b.ignoredMulticlusterSlices(), "features", features);
            }
        }
    }
}
