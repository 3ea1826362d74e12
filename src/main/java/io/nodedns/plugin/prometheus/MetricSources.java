package io.nodedns.plugin.prometheus;

import io.nodedns.server.Listener;
import io.nodedns.server.MemoryBudget;
import io.nodedns.server.MetricSource;
import io.nodedns.server.SelfLookup;
import io.nodedns.server.ServerConfig;
import io.nodedns.server.Shared;
import io.prometheus.metrics.model.registry.MultiCollector;
import io.prometheus.metrics.model.snapshots.MetricSnapshots;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Reads the plugins' {@link MetricSource}s of the configuration now serving and of the process
 * ({@link Shared#metrics()}), and the listeners' series ({@link Listener#collect}), at scrape
 * time, so the query path only bumps its own counters. Counters of sources (and listeners) a
 * reload retired are folded into a running total, so series never go backwards; gauges show
 * current values only.
 */
final class MetricSources implements MultiCollector {
    private static final String BUDGET_HELP = "Exchanges (query buffers) the UDP loops hold, and the process-wide limit"
            + " set from the JVM's memory limits.";

    private final Shared shared;
    private final Map<Series, double[]> retired = new HashMap<>();
    private Map<Object, Map<Series, double[]>> lastSeen = new IdentityHashMap<>();

    MetricSources(Shared shared) {
        this.shared = shared;
    }

    @Override
    public synchronized MetricSnapshots collect() {
        Map<Object, Map<Series, double[]>> seen = new IdentityHashMap<>();
        Map<Series, double[]> gauges = new LinkedHashMap<>(); // current values only, never folded into retired
        var instance = shared.currentInstance();
        if (instance != null) {
            for (ServerConfig config : instance.configs()) {
                for (MetricSource source : config.metrics()) {
                    if (!seen.containsKey(source)) { // a source shared by several blocks is read once
                        Values values = new Values(gauges);
                        source.collect(values, config.serverLabel());
                        seen.put(source, values.counters);
                    }
                }
            }
        }
        List<MetricSource> processWide = new ArrayList<>(shared.metrics());
        processWide.add(SelfLookup.metrics()); // the server's own lookups (autopath, CNAME targets...)
        for (MetricSource source : processWide) { // never retired
            Values values = new Values(gauges);
            source.collect(values, "");
            seen.put(source, values.counters);
        }
        for (Listener l : shared.listeners()) {
            Values values = new Values(gauges);
            l.collect(values);
            seen.putIfAbsent(l, values.counters);
        }
        MemoryBudget budget = MemoryBudget.exchanges();
        Values process = new Values(gauges);
        process.gauge("nodedns_exchange_budget", BUDGET_HELP, budget.used(), "state", "used");
        process.gauge("nodedns_exchange_budget", BUDGET_HELP, budget.limit(), "state", "limit");
        for (Map.Entry<Object, Map<Series, double[]>> old : lastSeen.entrySet()) {
            if (!seen.containsKey(old.getKey())) {
                old.getValue().forEach((series, values) -> add(retired, series, values));
            }
        }
        lastSeen = seen;
        Map<Series, double[]> total = new LinkedHashMap<>();
        retired.forEach((series, values) -> add(total, series, values));
        seen.values().forEach(m -> m.forEach((series, values) -> add(total, series, values)));
        total.putAll(gauges);
        return SnapshotBuilder.build(total);
    }

    private static void add(Map<Series, double[]> into, Series series, double[] values) {
        double[] sum = into.computeIfAbsent(series, s -> new double[values.length]);
        for (int i = 0; i < values.length; i++) {
            sum[i] += values[i];
        }
    }

    /** One source's report: counters and histograms summed into its own map, gauges into the shared one (largest wins). */
    private static final class Values implements MetricSource.Sink {
        final Map<Series, double[]> counters = new LinkedHashMap<>();
        private final Map<Series, double[]> gauges;

        Values(Map<Series, double[]> gauges) {
            this.gauges = gauges;
        }

        @Override
        public void counter(String name, String help, double value, String... labels) {
            add(counters, Series.of(Series.Kind.COUNTER, name, help, labels), new double[]{value});
        }

        @Override
        public void gauge(String name, String help, double value, String... labels) {
            double[] v = gauges.computeIfAbsent(Series.of(Series.Kind.GAUGE, name, help, labels),
                    s -> new double[]{Double.NEGATIVE_INFINITY});
            v[0] = Math.max(v[0], value);
        }

        @Override
        public void histogram(String name, String help, long[] buckets, double sum, String... labels) {
            double[] h = new double[buckets.length + 1];
            for (int b = 0; b < buckets.length; b++) {
                h[b] = buckets[b];
            }
            h[buckets.length] = sum;
            add(counters, Series.of(Series.Kind.HISTOGRAM, name, help, labels), h);
        }
    }
}
