package io.nodedns.plugin.nodecache;

import io.nodedns.server.MetricSource;
import java.util.Map;
import java.util.concurrent.atomic.LongAdder;

/** {@code coredns_nodecache_setup_errors_total{errortype}}, read at scrape time; registered once per process. */
final class NodecacheMetrics implements MetricSource {
    static final String KEY = "nodecache.metrics";
    private final SetupErrorCounts errors;

    NodecacheMetrics(SetupErrorCounts errors) {
        this.errors = errors;
    }

    @Override
    public void collect(Sink out, String server) {
        for (Map.Entry<String, LongAdder> e : errors.all().entrySet()) {
            out.counter("coredns_nodecache_setup_errors",
                    "The number of errors during periodic network setup for node-cache",
                    e.getValue().sum(), "errortype", e.getKey());
        }
    }
}
