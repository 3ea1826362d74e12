package io.nodedns.plugin.cache;

import io.nodedns.server.MetricSource;

/**
 * The series of one cache (CoreDNS plugin/cache/metrics.go), read at scrape time. One per
 * {@link CacheState}, so a reload that keeps the state reports the same source again: its
 * counters are neither retired nor counted twice.
 */
record CacheMetrics(CacheState state, String zones) implements MetricSource {
    private static final String ENTRIES = "The number of elements in the cache.";
    private static final String HITS = "The count of cache hits.";
    private static final String EVICTIONS = "The count of cache evictions.";

    @Override
    public void collect(Sink out, String server) {
        out.gauge("coredns_cache_entries", ENTRIES, state.success.entries(), "server", server, "type", "success",
                "zones", zones, "view", "");
        out.gauge("coredns_cache_entries", ENTRIES, state.denial.entries(), "server", server, "type", "denial", "zones",
                zones, "view", "");
        out.counter("coredns_cache_requests", "The count of cache requests.", state.requests.sum(),
                "server", server, "zones", zones, "view", "");
        out.counter("coredns_cache_hits", HITS, state.successHits.sum(), "server", server, "type", "success", "zones",
                zones, "view", "");
        out.counter("coredns_cache_hits", HITS, state.denialHits.sum(), "server", server, "type", "denial", "zones",
                zones, "view", "");
        out.counter("coredns_cache_misses",
                "The count of cache misses. Deprecated, derive misses from cache hits/requests counters.",
                state.misses.sum(), "server", server, "zones", zones, "view", "");
        out.counter("coredns_cache_prefetch", "The number of times the cache has prefetched a cached item.",
                state.prefetches.sum(), "server", server, "zones", zones, "view", "");
        out.counter("coredns_cache_drops", "The number responses that are not cached, because the reply is malformed.",
                state.drops.sum(), "server", server, "zones", zones, "view", "");
        out.counter("coredns_cache_served_stale", "The number of requests served from stale cache entries.",
                state.servedStale.sum(), "server", server, "zones", zones, "view", "");
        out.counter("coredns_cache_evictions", EVICTIONS, state.success.evictions(),
                "server", server, "type", "success", "zones", zones, "view", "");
        out.counter("coredns_cache_evictions", EVICTIONS, state.denial.evictions(),
                "server", server, "type", "denial", "zones", zones, "view", "");
    }
}
