package io.nodedns.plugin.trace;

import io.nodedns.server.MetricSource;
import java.util.concurrent.atomic.LongAdder;

/**
 * The reporter's counters (CoreDNS's trace has none; zipkin-go only logs): spans recorded, sent,
 * and dropped because the backlog was full (the collector is slow or down) or a POST failed.
 */
final class TraceMetrics implements MetricSource {
    final LongAdder recorded = new LongAdder();
    final LongAdder sent = new LongAdder();
    final LongAdder droppedBacklog = new LongAdder();
    final LongAdder droppedSend = new LongAdder();

    @Override
    public void collect(Sink out, String server) {
        out.counter("nodedns_trace_spans", "Spans of sampled queries recorded by the trace plugin.", recorded.sum(),
                "server", server);
        out.counter("nodedns_trace_spans_sent", "Spans the collector accepted.", sent.sum(), "server", server);
        out.counter("nodedns_trace_spans_dropped", "Spans dropped: backlog full, or the POST to the collector failed.",
                droppedBacklog.sum(), "server", server, "reason", "backlog");
        out.counter("nodedns_trace_spans_dropped", "Spans dropped: backlog full, or the POST to the collector failed.",
                droppedSend.sum(), "server", server, "reason", "send");
    }
}
