package io.nodedns.plugin.prometheus;

import io.nodedns.server.Exchange;
import io.nodedns.server.HookHandler;
import io.nodedns.server.Listener;
import io.nodedns.server.ServerConfig;
import io.nodedns.server.Transport;
import io.nodedns.wire.DnsHeader;
import io.nodedns.wire.QueryView;

/**
 * Records every query of its block after the chain answered it (CoreDNS's prometheus handler is
 * the outermost real handler). Label values are resolved once into data points cached per
 * listener, so counting on the hot path is a few array loads and adder increments.
 */
public final class PrometheusHandler extends HookHandler {
    private final DnsMetrics metrics;
    private volatile BlockPoints[] perListener = new BlockPoints[0];

    PrometheusHandler(DnsMetrics metrics) {
        super("prometheus");
        this.metrics = metrics;
    }

    @Override
    public void onResponse(Exchange ex) {
        ServerConfig config = ex.config();
        QueryView q = ex.query();
        BlockPoints points = pointsFor(ex.listener(), config);
        int zone = config.zoneIndex(ex.request(), q.qnameOffset(), q.qnameLength()) + 1; // 0 = "."
        int proto = ex.transport() == Transport.TCP ? 1 : 0;
        points.requests(zone, proto, ex.client().family() - 1, Labels.typeIndex(q.qtype())).inc();
        if (q.hasEdns() && q.dnssecOk()) {
            points.doRequests(zone).inc();
        }
        points.requestSize(zone, proto).observe(ex.requestLength()); // CoreDNS observes req.Len()
        points.responseSize(zone, proto).observe(ex.responseLength());
        int rcode = ex.responseLength() >= DnsHeader.LENGTH ? DnsHeader.rcode(ex.response(), 0) : 2;
        points.responses(zone, rcode, ex.writer()).inc();
        points.duration(zone).observe((System.nanoTime() - ex.startNanos()) / 1e9);
    }

    private BlockPoints pointsFor(Listener listener, ServerConfig config) {
        BlockPoints[] all = perListener;
        for (int i = 0; i < all.length; i++) {
            BlockPoints p = all[i];
            if (p.listener == listener) {
                return p;
            }
        }
        return addPoints(listener, config);
    }

    private synchronized BlockPoints addPoints(Listener listener, ServerConfig config) {
        for (BlockPoints p : perListener) {
            if (p.listener == listener) {
                return p;
            }
        }
        BlockPoints created = new BlockPoints(metrics, listener, config);
        BlockPoints[] next = java.util.Arrays.copyOf(perListener, perListener.length + 1);
        next[next.length - 1] = created;
        perListener = next;
        return created;
    }
}
