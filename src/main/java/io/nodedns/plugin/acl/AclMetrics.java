package io.nodedns.plugin.acl;

import io.prometheus.metrics.model.registry.MultiCollector;
import io.prometheus.metrics.model.snapshots.CounterSnapshot;
import io.prometheus.metrics.model.snapshots.Labels;
import io.prometheus.metrics.model.snapshots.MetricSnapshots;
import java.util.Map;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.atomic.LongAdder;

/**
 * CoreDNS's acl counters: {@code coredns_acl_blocked_requests_total}, {@code _filtered_},
 * {@code _dropped_} (labels server, zone, view) and {@code _allowed_} (server, view). One process-wide
 * table of adders handed out at setup, so a reload keeps counting on the same series.
 */
final class AclMetrics implements MultiCollector {
    static final String KEY = "acl.metrics";
    static final String BLOCKED = "blocked";
    static final String FILTERED = "filtered";
    static final String DROPPED = "dropped";
    static final String ALLOWED = "allowed";

    private record Key(String kind, String server, String zone) implements Comparable<Key> {
        @Override
        public int compareTo(Key o) {
            int c = kind.compareTo(o.kind);
            c = c != 0 ? c : server.compareTo(o.server);
            return c != 0 ? c : zone.compareTo(o.zone);
        }
    }

    private final Map<Key, LongAdder> counters = new ConcurrentSkipListMap<>();

    /** The adder for one series; {@code zone} is null for the allowed counter, which has no zone label. */
    LongAdder counter(String kind, String server, String zone) {
        return counters.computeIfAbsent(new Key(kind, server, zone == null ? "" : zone), k -> new LongAdder());
    }

    @Override
    public MetricSnapshots collect() {
        CounterSnapshot.Builder blocked = builder(BLOCKED, "Counter of DNS requests being blocked.");
        CounterSnapshot.Builder filtered = builder(FILTERED, "Counter of DNS requests being filtered.");
        CounterSnapshot.Builder dropped = builder(DROPPED, "Counter of DNS requests being dropped.");
        CounterSnapshot.Builder allowed = builder(ALLOWED, "Counter of DNS requests being allowed.");
        for (Map.Entry<Key, LongAdder> e : counters.entrySet()) {
            Key k = e.getKey();
            Labels labels = k.kind().equals(ALLOWED) ? Labels.of("server", k.server(), "view", "")
                    : Labels.of("server", k.server(), "view", "", "zone", k.zone());
            CounterSnapshot.CounterDataPointSnapshot point = CounterSnapshot.CounterDataPointSnapshot.builder()
                    .labels(labels).value(e.getValue().sum()).build();
            switch (k.kind()) {
                case BLOCKED -> blocked.dataPoint(point);
                case FILTERED -> filtered.dataPoint(point);
                case DROPPED -> dropped.dataPoint(point);
                default -> allowed.dataPoint(point);
            }
        }
        return MetricSnapshots.of(blocked.build(), filtered.build(), dropped.build(), allowed.build());
    }

    private static CounterSnapshot.Builder builder(String kind, String help) {
        return CounterSnapshot.builder().name("coredns_acl_" + kind + "_requests").help(help);
    }
}
