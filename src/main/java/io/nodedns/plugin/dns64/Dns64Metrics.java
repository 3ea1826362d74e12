package io.nodedns.plugin.dns64;

import io.nodedns.server.MetricSource;
import java.util.Map;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.atomic.LongAdder;

/** {@code coredns_dns64_requests_translated_total{server}}, one process-wide adder per server label. */
final class Dns64Metrics implements MetricSource {
    static final String KEY = "dns64.metrics";
    private final Map<String, LongAdder> translated = new ConcurrentSkipListMap<>();

    LongAdder translated(String server) {
        return translated.computeIfAbsent(server, k -> new LongAdder());
    }

    @Override
    public void collect(Sink out, String unused) {
        translated.forEach((server, n) -> out.counter("coredns_dns64_requests_translated",
                "Counter of DNS requests translated by dns64.", n.sum(), "server", server));
    }
}
