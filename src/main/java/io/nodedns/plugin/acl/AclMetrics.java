package io.nodedns.plugin.acl;

import io.nodedns.server.MetricSource;
import java.util.Map;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.atomic.LongAdder;

/**
 * CoreDNS's acl counters: {@code coredns_acl_blocked_requests_total}, {@code _filtered_},
 * {@code _dropped_} (labels server, zone, view) and {@code _allowed_} (server, view). One process-wide
 * table of adders handed out at setup, so a reload keeps counting on the same series.
 */
final class AclMetrics implements MetricSource {
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
    public void collect(Sink out, String unused) {
        for (Map.Entry<Key, LongAdder> e : counters.entrySet()) {
            Key k = e.getKey();
            String name = "coredns_acl_" + k.kind() + "_requests";
            String help = "Counter of DNS requests being " + k.kind() + ".";
            if (k.kind().equals(ALLOWED)) {
                out.counter(name, help, e.getValue().sum(), "server", k.server(), "view", "");
            } else {
                out.counter(name, help, e.getValue().sum(), "server", k.server(), "view", "", "zone", k.zone());
            }
        }
    }
}
