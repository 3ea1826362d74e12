package io.nodedns.plugin.local;

import io.prometheus.metrics.model.registry.MultiCollector;
import io.prometheus.metrics.model.snapshots.CounterSnapshot;
import io.prometheus.metrics.model.snapshots.Labels;
import io.prometheus.metrics.model.snapshots.MetricSnapshots;
import java.util.concurrent.atomic.LongAdder;

/** {@code coredns_local_localhost_requests_total}: process-wide and without labels, as in CoreDNS. */
final class LocalMetrics implements MultiCollector {
    static final String KEY = "local.metrics";
    static final LongAdder LOCALHOST_REQUESTS = new LongAdder();

    @Override
    public MetricSnapshots collect() {
        return MetricSnapshots.of(CounterSnapshot.builder().name("coredns_local_localhost_requests")
                .help("Counter of localhost.<domain> requests.")
                .dataPoint(CounterSnapshot.CounterDataPointSnapshot.builder().labels(Labels.EMPTY)
                        .value(LOCALHOST_REQUESTS.sum()).build())
                .build());
    }
}
