package io.nodedns.plugin.prometheus;

import io.prometheus.metrics.model.snapshots.ClassicHistogramBuckets;
import io.prometheus.metrics.model.snapshots.CounterSnapshot;
import io.prometheus.metrics.model.snapshots.GaugeSnapshot;
import io.prometheus.metrics.model.snapshots.HistogramSnapshot;
import io.prometheus.metrics.model.snapshots.MetricSnapshot;
import io.prometheus.metrics.model.snapshots.MetricSnapshots;
import java.util.LinkedHashMap;
import java.util.Map;

/** Turns aggregated series values into Prometheus snapshots, one family per metric name. */
final class SnapshotBuilder {
    private static final Map<String, String> HELP = Map.ofEntries(
            Map.entry("coredns_proxy_request_duration_seconds", "Histogram of the time each request took."),
            Map.entry("coredns_proxy_healthcheck_failures", "Counter of the number of failed healthchecks."),
            Map.entry("coredns_proxy_conn_cache_hits", "Counter of connection cache hits per upstream and protocol."),
            Map.entry("coredns_proxy_conn_cache_misses", "Counter of connection cache misses per upstream and protocol."),
            Map.entry("coredns_forward_healthcheck_broken", "Counter of the number of complete failures of the healthchecks."),
            Map.entry("coredns_forward_max_concurrent_rejects", "Counter of the number of queries rejected because the concurrent queries were at maximum."),
            Map.entry("nodedns_forward_tls_handshake_failures", "TLS handshakes with a DNS-over-TLS upstream that failed (certificate, name, protocol or timeout)."),
            Map.entry("nodedns_forward_mismatched_replies", "Upstream datagrams dropped because they matched no pending query (ID, source, opcode, question)."),
            Map.entry("nodedns_udp_shed", "Queries shed by the UDP loops' memory budget: dropped (no buffer left) or answered SERVFAIL at once (no room to wait for an upstream)."),
            Map.entry("nodedns_loop_errors", "Errors caught in the UDP loops and TCP acceptors (each loop goes on)."),
            Map.entry("nodedns_exchange_budget", "Exchanges (query buffers) the UDP loops hold, and the process-wide limit set from the JVM's memory limits."),
            Map.entry("coredns_cache_entries", "The number of elements in the cache."),
            Map.entry("coredns_cache_requests", "The count of cache requests."),
            Map.entry("coredns_cache_hits", "The count of cache hits."),
            Map.entry("coredns_cache_misses", "The count of cache misses. Deprecated, derive misses from cache hits/requests counters."),
            Map.entry("coredns_cache_prefetch", "The number of times the cache has prefetched a cached item."),
            Map.entry("coredns_cache_drops", "The number responses that are not cached, because the reply is malformed."),
            Map.entry("coredns_cache_served_stale", "The number of requests served from stale cache entries."),
            Map.entry("coredns_cache_evictions", "The count of cache evictions."),
            Map.entry("coredns_hosts_entries", "The combined number of entries in hosts and Corefile."),
            Map.entry("coredns_hosts_reload_timestamp_seconds", "The timestamp of the last reload of hosts file."));

    private SnapshotBuilder() {}

    static MetricSnapshots build(Map<Series, double[]> values) {
        Map<String, Object> builders = new LinkedHashMap<>();
        for (Map.Entry<Series, double[]> e : values.entrySet()) {
            Series s = e.getKey();
            double[] v = e.getValue();
            String help = HELP.getOrDefault(s.name(), s.name());
            switch (s.kind()) {
                case COUNTER -> ((CounterSnapshot.Builder) builders.computeIfAbsent(s.name(),
                        n -> CounterSnapshot.builder().name(n).help(help))).dataPoint(
                        CounterSnapshot.CounterDataPointSnapshot.builder().value(v[0]).labels(s.prometheusLabels()).build());
                case GAUGE -> ((GaugeSnapshot.Builder) builders.computeIfAbsent(s.name(),
                        n -> GaugeSnapshot.builder().name(n).help(help))).dataPoint(
                        GaugeSnapshot.GaugeDataPointSnapshot.builder().value(v[0]).labels(s.prometheusLabels()).build());
                case HISTOGRAM -> {
                    long[] counts = new long[MetricSources.DURATION_BOUNDS.length];
                    for (int i = 0; i < counts.length; i++) {
                        counts[i] = (long) v[i];
                    }
                    ((HistogramSnapshot.Builder) builders.computeIfAbsent(s.name(),
                            n -> HistogramSnapshot.builder().name(n).help(help))).dataPoint(
                            HistogramSnapshot.HistogramDataPointSnapshot.builder()
                                    .classicHistogramBuckets(ClassicHistogramBuckets.of(MetricSources.DURATION_BOUNDS, counts))
                                    .sum(v[counts.length]).labels(s.prometheusLabels()).build());
                }
            }
        }
        MetricSnapshots.Builder all = MetricSnapshots.builder();
        for (Object b : builders.values()) {
            all.metricSnapshot(switch (b) {
                case CounterSnapshot.Builder c -> (MetricSnapshot) c.build();
                case GaugeSnapshot.Builder g -> g.build();
                case HistogramSnapshot.Builder h -> h.build();
                default -> throw new IllegalStateException();
            });
        }
        return all.build();
    }
}
