package io.nodedns.plugin.prometheus;

import io.nodedns.server.Listener;
import io.nodedns.server.ServerConfig;
import io.prometheus.metrics.core.datapoints.CounterDataPoint;
import io.prometheus.metrics.core.datapoints.DataPoint;
import io.prometheus.metrics.core.datapoints.DistributionDataPoint;
import io.prometheus.metrics.core.metrics.StatefulMetric;

/**
 * The data points of one block on one listener, created on first use and then reused: arrays
 * indexed by zone (0 is "."), protocol, family, type and rcode. Racing creators resolve the same
 * labels to the same data point, so the benign race needs no lock.
 */
final class BlockPoints {
    private static final String[] PROTOS = {"udp", "tcp"};
    private static final String[] FAMILIES = {"1", "2"};
    private static final String VIEW = "";

    final Listener listener;
    private final DnsMetrics metrics;
    private final String server;
    private final String[] zones;
    private final CounterDataPoint[] requests;
    private final CounterDataPoint[] doRequests;
    private final DistributionDataPoint[] requestSize;
    private final DistributionDataPoint[] responseSize;
    private final DistributionDataPoint[] duration;
    private final CounterDataPoint[] responses;
    private volatile String[] writers = new String[]{null};

    BlockPoints(DnsMetrics metrics, Listener listener, ServerConfig config) {
        this.metrics = metrics;
        this.listener = listener;
        this.server = listener.label();
        this.zones = new String[config.zones().size() + 1];
        zones[0] = ".";
        for (int i = 0; i < config.zones().size(); i++) {
            zones[i + 1] = config.zones().get(i);
        }
        int z = zones.length;
        requests = new CounterDataPoint[z * 2 * 2 * Labels.TYPES.length];
        doRequests = new CounterDataPoint[z];
        requestSize = new DistributionDataPoint[z * 2];
        responseSize = new DistributionDataPoint[z * 2];
        duration = new DistributionDataPoint[z];
        responses = new CounterDataPoint[z * Labels.RCODES.length * 16];
    }

    CounterDataPoint requests(int zone, int proto, int family, int type) {
        int i = ((zone * 2 + proto) * 2 + family) * Labels.TYPES.length + type;
        CounterDataPoint p = requests[i];
        if (p == null) {
            p = metrics.requests.labelValues(server, zones[zone], VIEW, PROTOS[proto], FAMILIES[family],
                    Labels.TYPES[type]);
            requests[i] = p;
        }
        return p;
    }

    CounterDataPoint doRequests(int zone) {
        return point(doRequests, zone, metrics.doRequests, zone, null);
    }

    DistributionDataPoint requestSize(int zone, int proto) {
        return point(requestSize, zone * 2 + proto, metrics.requestSize, zone, PROTOS[proto]);
    }

    DistributionDataPoint responseSize(int zone, int proto) {
        return point(responseSize, zone * 2 + proto, metrics.responseSize, zone, PROTOS[proto]);
    }

    DistributionDataPoint duration(int zone) {
        return point(duration, zone, metrics.duration, zone, null);
    }

    /** The point at {@code i}, made on first use: labels server, zone, view, and the protocol unless null. */
    private <D extends DataPoint> D point(D[] points, int i, StatefulMetric<D, ?> family, int zone, String proto) {
        D p = points[i];
        if (p == null) {
            p = proto == null
                    ? family.labelValues(server, zones[zone], VIEW)
                    : family.labelValues(server, zones[zone], VIEW, proto);
            points[i] = p;
        }
        return p;
    }

    /** {@code writer} is the plugin that wrote the reply (null: the server); plugin names are interned constants. */
    CounterDataPoint responses(int zone, int rcode, String writer) {
        int w = writerIndex(writer);
        int r = Math.min(rcode, Labels.RCODES.length - 1);
        if (w >= 16) {
            return metrics.responses.labelValues(server, zones[zone], VIEW, Labels.RCODES[r], writer);
        }
        int i = (zone * Labels.RCODES.length + r) * 16 + w;
        CounterDataPoint p = responses[i];
        if (p == null) {
            p = metrics.responses.labelValues(server, zones[zone], VIEW, Labels.RCODES[r],
                    writer == null ? "" : writer);
            responses[i] = p;
        }
        return p;
    }

    private int writerIndex(String writer) {
        String[] known = writers;
        for (int i = 0; i < known.length; i++) {
            if (known[i] == writer) {
                return i;
            }
        }
        return addWriter(writer);
    }

    private synchronized int addWriter(String writer) {
        String[] known = writers;
        for (int i = 0; i < known.length; i++) {
            if (known[i] == writer) {
                return i;
            }
        }
        String[] next = java.util.Arrays.copyOf(known, known.length + 1);
        next[known.length] = writer;
        writers = next;
        return known.length;
    }
}
