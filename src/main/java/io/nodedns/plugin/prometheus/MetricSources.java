package io.nodedns.plugin.prometheus;

import io.nodedns.plugin.cache.CachePlugin;
import io.nodedns.plugin.forward.ForwardHandler;
import io.nodedns.plugin.hosts.HostsHandler;
import io.nodedns.plugin.template.TemplateHandler;
import io.nodedns.server.Handler;
import io.nodedns.server.Instance;
import io.nodedns.server.ServerConfig;
import io.nodedns.server.Shared;
import io.nodedns.upstream.Upstream;
import io.prometheus.metrics.model.registry.MultiCollector;
import io.prometheus.metrics.model.snapshots.MetricSnapshots;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Exports the forward and cache plugins' counters under CoreDNS's names (CoreDNS plugin/forward/metrics.go; CoreDNS plugin/cache/metrics.go), read at
 * scrape time from the configuration now serving, so the query path only bumps its own adders.
 * Counters of plugin instances retired by a reload are folded into a running total, so series
 * never go backwards.
 */
final class MetricSources implements MultiCollector {
    static final double[] DURATION_BOUNDS = new double[17];

    static {
        for (int i = 0; i < 16; i++) {
            DURATION_BOUNDS[i] = 0.00025 * (1L << i);
        }
        DURATION_BOUNDS[16] = Double.POSITIVE_INFINITY;
    }

    private final Shared shared;
    private final Map<Series, double[]> retired = new HashMap<>();
    private Map<Object, Map<Series, double[]>> lastSeen = new IdentityHashMap<>();

    MetricSources(Shared shared) {
        this.shared = shared;
    }

    @Override
    public synchronized MetricSnapshots collect() {
        Map<Object, Map<Series, double[]>> seen = new IdentityHashMap<>();
        Map<Series, double[]> gauges = new LinkedHashMap<>(); // current values only, never folded into retired
        Instance instance = shared.currentInstance();
        if (instance != null) {
            for (ServerConfig config : instance.configs()) {
                for (Handler h : config.handlers()) {
                    if (h instanceof HostsHandler hosts) {
                        hosts(hosts, gauges);
                    } else if (h instanceof ForwardHandler f && !seen.containsKey(f)) {
                        seen.put(f, forward(f));
                    } else if (h instanceof CachePlugin c && !seen.containsKey(c)) {
                        seen.put(c, cache(c, config.serverLabel()));
                    } else if (h instanceof TemplateHandler t && !seen.containsKey(t)) {
                        seen.put(t, template(t, config.serverLabel()));
                    }
                }
            }
        }
        for (io.nodedns.server.Listener l : shared.listeners()) {
            seen.putIfAbsent(l, loops(l));
        }
        io.nodedns.server.MemoryBudget budget = io.nodedns.server.MemoryBudget.exchanges();
        gauges.put(Series.gauge("nodedns_exchange_budget", "state", "used"), new double[] {budget.used()});
        gauges.put(Series.gauge("nodedns_exchange_budget", "state", "limit"), new double[] {budget.limit()});
        for (Map.Entry<Object, Map<Series, double[]>> old : lastSeen.entrySet()) {
            if (!seen.containsKey(old.getKey())) {
                old.getValue().forEach((series, values) -> add(retired, series, values));
            }
        }
        lastSeen = seen;
        Map<Series, double[]> total = new LinkedHashMap<>();
        retired.forEach((series, values) -> add(total, series, values));
        seen.values().forEach(m -> m.forEach((series, values) -> add(total, series, values)));
        total.putAll(gauges);
        return SnapshotBuilder.build(total);
    }

    private static void add(Map<Series, double[]> into, Series series, double[] values) {
        double[] sum = into.computeIfAbsent(series, s -> new double[values.length]);
        for (int i = 0; i < values.length; i++) {
            sum[i] += values[i];
        }
    }

    private static Map<Series, double[]> forward(ForwardHandler f) {
        Map<Series, double[]> out = new LinkedHashMap<>();
        for (Upstream u : f.table().get()) {
            String to = u.label();
            for (int rcode = 0; rcode < 16; rcode++) {
                if (u.responses(rcode) == 0) {
                    continue;
                }
                double[] h = new double[DURATION_BOUNDS.length + 1];
                for (int b = 0; b < DURATION_BOUNDS.length; b++) {
                    h[b] = u.durationBucket(rcode, b);
                }
                h[DURATION_BOUNDS.length] = u.durationSumNanos(rcode) / 1e9;
                add(out, Series.histogram("coredns_proxy_request_duration_seconds", "proxy_name", "forward", "to", to,
                        "rcode", Labels.RCODES[rcode]), h);
            }
            add(out, Series.counter("coredns_proxy_healthcheck_failures", "proxy_name", "forward", "to", to),
                    new double[] {u.healthcheckFailures()});
            String proto = u.streamProto();
            add(out, Series.counter("coredns_proxy_conn_cache_hits", "proxy_name", "forward", "to", to, "proto", proto),
                    new double[] {u.tcp().hits()});
            add(out, Series.counter("coredns_proxy_conn_cache_misses", "proxy_name", "forward", "to", to, "proto", proto),
                    new double[] {u.tcp().misses()});
            if (u.isTls()) {
                add(out, Series.counter("nodedns_forward_tls_handshake_failures", "to", to),
                        new double[] {u.tcp().handshakeFailures()});
            }
        }
        add(out, Series.counter("coredns_forward_healthcheck_broken"), new double[] {f.healthcheckBroken()});
        add(out, Series.counter("coredns_forward_max_concurrent_rejects"), new double[] {f.maxConcurrentRejects()});
        add(out, Series.counter("nodedns_forward_mismatched_replies"), new double[] {f.mismatchedReplies()});
        return out;
    }

    /** A listener's shed queries and caught errors, summed over its UDP loops (and TCP acceptor). */
    private static Map<Series, double[]> loops(io.nodedns.server.Listener l) {
        long drops = 0;
        long servfails = 0;
        long errors = l.acceptErrors();
        for (io.nodedns.server.UdpLoop loop : l.loops()) {
            drops += loop.overloadDrops();
            servfails += loop.parkSheds();
            errors += loop.errors();
        }
        Map<Series, double[]> out = new LinkedHashMap<>();
        add(out, Series.counter("nodedns_udp_shed", "server", l.label(), "action", "drop"), new double[] {drops});
        add(out, Series.counter("nodedns_udp_shed", "server", l.label(), "action", "servfail"), new double[] {servfails});
        add(out, Series.counter("nodedns_loop_errors", "server", l.label()), new double[] {errors});
        return out;
    }

    /** CoreDNS's hosts gauges: entries per file, and one reload timestamp (the latest file read). */
    private static void hosts(HostsHandler h, Map<Series, double[]> gauges) {
        gauges.put(Series.gauge("coredns_hosts_entries", "hostsfile", h.file()), new double[] {h.entries()});
        double[] stamp = gauges.computeIfAbsent(Series.gauge("coredns_hosts_reload_timestamp_seconds"), k -> new double[1]);
        stamp[0] = Math.max(stamp[0], h.reloadTimestampSeconds());
    }

    /** CoreDNS's template counters, under the block's server label. */
    private static Map<Series, double[]> template(TemplateHandler t, String server) {
        Map<Series, double[]> out = new LinkedHashMap<>();
        t.forEachCount((metric, labels, count) -> {
            String[] pairs = new String[labels.size() + 2];
            pairs[0] = "server";
            pairs[1] = server;
            for (int i = 0; i < labels.size(); i++) {
                pairs[i + 2] = labels.get(i);
            }
            add(out, Series.counter(metric, pairs), new double[] {count});
        });
        return out;
    }

    private static Map<Series, double[]> cache(CachePlugin c, String server) {
        Map<Series, double[]> out = new LinkedHashMap<>();
        String zones = c.zonesLabel();
        add(out, Series.gauge("coredns_cache_entries", "server", server, "type", "success", "zones", zones, "view", ""),
                new double[] {c.successEntries()});
        add(out, Series.gauge("coredns_cache_entries", "server", server, "type", "denial", "zones", zones, "view", ""),
                new double[] {c.denialEntries()});
        add(out, Series.counter("coredns_cache_requests", "server", server, "zones", zones, "view", ""), new double[] {c.requests()});
        add(out, Series.counter("coredns_cache_hits", "server", server, "type", "success", "zones", zones, "view", ""),
                new double[] {c.successHits()});
        add(out, Series.counter("coredns_cache_hits", "server", server, "type", "denial", "zones", zones, "view", ""),
                new double[] {c.denialHits()});
        add(out, Series.counter("coredns_cache_misses", "server", server, "zones", zones, "view", ""), new double[] {c.misses()});
        add(out, Series.counter("coredns_cache_prefetch", "server", server, "zones", zones, "view", ""), new double[] {c.prefetches()});
        add(out, Series.counter("coredns_cache_drops", "server", server, "zones", zones, "view", ""), new double[] {c.drops()});
        add(out, Series.counter("coredns_cache_served_stale", "server", server, "zones", zones, "view", ""),
                new double[] {c.servedStale()});
        add(out, Series.counter("coredns_cache_evictions", "server", server, "type", "success", "zones", zones, "view", ""),
                new double[] {c.successEvictions()});
        add(out, Series.counter("coredns_cache_evictions", "server", server, "type", "denial", "zones", zones, "view", ""),
                new double[] {c.denialEvictions()});
        return out;
    }
}
