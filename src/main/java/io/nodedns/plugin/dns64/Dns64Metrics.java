package io.nodedns.plugin.dns64;

import io.prometheus.metrics.model.registry.MultiCollector;
import io.prometheus.metrics.model.snapshots.CounterSnapshot;
import io.prometheus.metrics.model.snapshots.Labels;
import io.prometheus.metrics.model.snapshots.MetricSnapshots;
import java.util.Map;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.atomic.LongAdder;

/** {@code coredns_dns64_requests_translated_total{server}}, one process-wide adder per server label. */
final class Dns64Metrics implements MultiCollector {
    static final String KEY = "dns64.metrics";
    private final Map<String, LongAdder> translated = new ConcurrentSkipListMap<>();

    LongAdder translated(String server) {
        return translated.computeIfAbsent(server, k -> new LongAdder());
    }

    @Override
    public MetricSnapshots collect() {
        CounterSnapshot.Builder b = CounterSnapshot.builder().name("coredns_dns64_requests_translated")
                .help("Counter of DNS requests translated by dns64.");
        translated.forEach((server, n) -> b.dataPoint(CounterSnapshot.CounterDataPointSnapshot.builder()
                .labels(Labels.of("server", server)).value(n.sum()).build()));
        return MetricSnapshots.of(b.build());
    }
}
