package io.nodedns.plugin.nodecache;

import io.prometheus.metrics.model.registry.MultiCollector;
import io.prometheus.metrics.model.snapshots.CounterSnapshot;
import io.prometheus.metrics.model.snapshots.Labels;
import io.prometheus.metrics.model.snapshots.MetricSnapshots;
import java.util.Map;
import java.util.concurrent.atomic.LongAdder;

/** {@code coredns_nodecache_setup_errors_total{errortype}}, read at scrape time; registered once per process. */
final class NodecacheMetrics implements MultiCollector {
    static final String KEY = "nodecache.metrics";
    private final SetupErrorCounts errors;

    NodecacheMetrics(SetupErrorCounts errors) {
        this.errors = errors;
    }

    @Override
    public MetricSnapshots collect() {
        CounterSnapshot.Builder counter = CounterSnapshot.builder().name("coredns_nodecache_setup_errors")
                .help("The number of errors during periodic network setup for node-cache");
        for (Map.Entry<String, LongAdder> e : errors.all().entrySet()) {
            counter.dataPoint(CounterSnapshot.CounterDataPointSnapshot.builder()
                    .labels(Labels.of("errortype", e.getKey())).value(e.getValue().sum()).build());
        }
        return MetricSnapshots.of(counter.build());
    }
}
