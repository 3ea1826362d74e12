package io.nodedns.plugin.prometheus;

import io.nodedns.server.MetricSource;
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
    /** The histogram bounds with +Inf, as the client's bucket list wants them. */
    private static final double[] BOUNDS = java.util.Arrays.copyOf(MetricSource.TIME_BUCKETS,
            MetricSource.TIME_BUCKETS.length + 1);

    static {
        BOUNDS[BOUNDS.length - 1] = Double.POSITIVE_INFINITY;
    }

    private SnapshotBuilder() {}

    static MetricSnapshots build(Map<Series, double[]> values) {
        Map<String, Object> builders = new LinkedHashMap<>();
        for (Map.Entry<Series, double[]> e : values.entrySet()) {
            Series s = e.getKey();
            double[] v = e.getValue();
            String help = s.help();
            switch (s.kind()) {
                case COUNTER -> ((CounterSnapshot.Builder) builders.computeIfAbsent(s.name(),
                        n -> CounterSnapshot.builder().name(n).help(help))).dataPoint(
                                CounterSnapshot.CounterDataPointSnapshot.builder().value(v[0])
                                        .labels(s.prometheusLabels()).build());
                case GAUGE -> ((GaugeSnapshot.Builder) builders.computeIfAbsent(s.name(),
                        n -> GaugeSnapshot.builder().name(n).help(help))).dataPoint(
                                GaugeSnapshot.GaugeDataPointSnapshot.builder().value(v[0]).labels(s.prometheusLabels())
                                        .build());
                case HISTOGRAM -> {
                    long[] counts = new long[BOUNDS.length];
                    for (int i = 0; i < counts.length; i++) {
                        counts[i] = (long) v[i];
                    }
                    ((HistogramSnapshot.Builder) builders.computeIfAbsent(s.name(),
                            n -> HistogramSnapshot.builder().name(n).help(help))).dataPoint(
                                    HistogramSnapshot.HistogramDataPointSnapshot.builder()
                                            .classicHistogramBuckets(ClassicHistogramBuckets.of(BOUNDS, counts))
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
