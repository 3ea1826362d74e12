package io.nodedns.plugin.prometheus;

import io.nodedns.server.Exchange;
import io.nodedns.server.QueryObserver;
import io.nodedns.server.Transport;
import io.nodedns.wire.DnsHeader;

/** Counts queries the server rejected before any plugin (zone "dropped", CoreDNS core/dnsserver, before the chain) and panics. */
final class DroppedObserver implements QueryObserver {
    private final DnsMetrics metrics;

    DroppedObserver(DnsMetrics metrics) {
        this.metrics = metrics;
    }

    @Override
    public void onDropped(Exchange ex, int rcode) {
        String server = ex.listener().label();
        String proto = ex.transport() == Transport.TCP ? "tcp" : "udp";
        metrics.requests.labelValues(server, "dropped", "", proto, Integer.toString(ex.client().family()),
                Labels.TYPES[Labels.typeIndex(ex.query().qtype())]).inc();
        metrics.responses.labelValues(server, "dropped", "", DnsHeader.rcodeName(rcode), "").inc();
        metrics.requestSize.labelValues(server, "dropped", "", proto).observe(ex.requestLength());
        metrics.responseSize.labelValues(server, "dropped", "", proto).observe(ex.responseLength());
        metrics.duration.labelValues(server, "dropped", "").observe((System.nanoTime() - ex.startNanos()) / 1e9);
        if (ex.query().hasEdns() && ex.query().dnssecOk()) {
            metrics.doRequests.labelValues(server, "dropped", "").inc();
        }
    }

    @Override
    public void onPanic() {
        metrics.panics.inc();
    }
}
