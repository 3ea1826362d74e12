package io.nodedns.plugin.cache;

import io.nodedns.server.MetricSource;

/** The series of one cache (CoreDNS plugin/cache/metrics.go), read at scrape time from its counters. */
record CacheMetrics(CachePlugin cache) implements MetricSource {
    private static final String ENTRIES = "The number of elements in the cache.";
    private static final String HITS = "The count of cache hits.";
    private static final String EVICTIONS = "The count of cache evictions.";

    @Override
    public void collect(Sink out, String server) {
        String zones = cache.zonesLabel();
        out.gauge("coredns_cache_entries", ENTRIES, cache.successEntries(), "server", server, "type", "success", "zones", zones, "view", "");
        out.gauge("coredns_cache_entries", ENTRIES, cache.denialEntries(), "server", server, "type", "denial", "zones", zones, "view", "");
        out.counter("coredns_cache_requests", "The count of cache requests.", cache.requests(),
                "server", server, "zones", zones, "view", "");
        out.counter("coredns_cache_hits", HITS, cache.successHits(), "server", server, "type", "success", "zones", zones, "view", "");
        out.counter("coredns_cache_hits", HITS, cache.denialHits(), "server", server, "type", "denial", "zones", zones, "view", "");
        out.counter("coredns_cache_misses", "The count of cache misses. Deprecated, derive misses from cache hits/requests counters.",
                cache.misses(), "server", server, "zones", zones, "view", "");
        out.counter("coredns_cache_prefetch", "The number of times the cache has prefetched a cached item.",
                cache.prefetches(), "server", server, "zones", zones, "view", "");
        out.counter("coredns_cache_drops", "The number responses that are not cached, because the reply is malformed.",
                cache.drops(), "server", server, "zones", zones, "view", "");
        out.counter("coredns_cache_served_stale", "The number of requests served from stale cache entries.",
                cache.servedStale(), "server", server, "zones", zones, "view", "");
        out.counter("coredns_cache_evictions", EVICTIONS, cache.successEvictions(),
                "server", server, "type", "success", "zones", zones, "view", "");
        out.counter("coredns_cache_evictions", EVICTIONS, cache.denialEvictions(),
                "server", server, "type", "denial", "zones", zones, "view", "");
    }
}
