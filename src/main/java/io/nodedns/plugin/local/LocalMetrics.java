package io.nodedns.plugin.local;

import io.nodedns.server.MetricSource;
import java.util.concurrent.atomic.LongAdder;

/** {@code coredns_local_localhost_requests_total}: process-wide and without labels, as in CoreDNS. */
final class LocalMetrics implements MetricSource {
    static final String KEY = "local.metrics";
    static final LongAdder LOCALHOST_REQUESTS = new LongAdder();

    @Override
    public void collect(Sink out, String server) {
        out.counter("coredns_local_localhost_requests", "Counter of localhost.<domain> requests.",
                LOCALHOST_REQUESTS.sum());
    }
}
