package io.nodedns.plugin.forward;

import io.nodedns.server.MetricSource;
import io.nodedns.upstream.Upstream;
import io.nodedns.wire.DnsHeader;

/**
 * The series of one forwarder (CoreDNS plugin/forward/metrics.go and the proxy's), read at scrape
 * time from its counters and its upstreams'. A kubeforward forwarder reports the same series.
 */
public record ForwardMetrics(ForwardHandler forward) implements MetricSource {
    private static final String DURATION = "Histogram of the time each request took.";

    @Override
    public void collect(Sink out, String server) {
        long[] buckets = new long[TIME_BUCKETS.length + 1];
        for (Upstream u : forward.table().get()) {
            String to = u.label();
            for (int rcode = 0; rcode < 16; rcode++) {
                if (u.responses(rcode) == 0) {
                    continue;
                }
                for (int b = 0; b < buckets.length; b++) {
                    buckets[b] = u.durationBucket(rcode, b);
                }
                out.histogram("coredns_proxy_request_duration_seconds", DURATION, buckets,
                        u.durationSumNanos(rcode) / 1e9,
                        "proxy_name", "forward", "to", to, "rcode", DnsHeader.rcodeNameOrNumber(rcode));
            }
            out.counter("coredns_proxy_healthcheck_failures", "Counter of the number of failed healthchecks.",
                    u.healthcheckFailures(), "proxy_name", "forward", "to", to);
            String proto = u.streamProto();
            out.counter("coredns_proxy_conn_cache_hits", "Counter of connection cache hits per upstream and protocol.",
                    u.tcp().hits(), "proxy_name", "forward", "to", to, "proto", proto);
            out.counter("coredns_proxy_conn_cache_misses",
                    "Counter of connection cache misses per upstream and protocol.",
                    u.tcp().misses(), "proxy_name", "forward", "to", to, "proto", proto);
            if (u.isTls()) {
                out.counter("nodedns_forward_tls_handshake_failures",
                        "TLS handshakes with a DNS-over-TLS upstream that failed (certificate, name, protocol or timeout).",
                        u.tcp().handshakeFailures(), "to", to);
            }
        }
        out.counter("coredns_forward_healthcheck_broken",
                "Counter of the number of complete failures of the healthchecks.",
                forward.healthcheckBroken.sum());
        out.counter("coredns_forward_max_concurrent_rejects",
                "Counter of the number of queries rejected because the concurrent queries were at maximum.",
                forward.maxConcurrentRejects.sum());
        out.counter("nodedns_forward_mismatched_replies",
                "Upstream datagrams dropped because they matched no pending query (ID, source, opcode, question).",
                forward.mismatched.sum());
    }
}
