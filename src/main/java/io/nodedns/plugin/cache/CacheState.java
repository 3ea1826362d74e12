package io.nodedns.plugin.cache;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;

/**
 * What outlives a reload that keeps the same cache configuration: both stores and the counters
 * the metrics export. Kept in {@code Shared.state} through a {@link io.nodedns.data.SharedRegistry}
 * that drops the stores once no running instance uses them, so a changed config does not keep the
 * old memory alive.
 */
final class CacheState {
    final CacheStore success;
    final CacheStore denial;
    final LongAdder requests = new LongAdder();
    final LongAdder successHits = new LongAdder();
    final LongAdder denialHits = new LongAdder();
    final LongAdder misses = new LongAdder();
    final LongAdder prefetches = new LongAdder();
    final LongAdder servedStale = new LongAdder();
    final LongAdder drops = new LongAdder();
    final LongAdder oversized = new LongAdder();
    /** Background refreshes in flight, capped so a burst of stale keys cannot spawn unbounded work. */
    final AtomicInteger refreshes = new AtomicInteger();
    /** The metric source of this state: the same object for every instance a reload keeps it for. */
    final CacheMetrics metrics;

    CacheState(CacheConfig config) {
        this.success = new CacheStore(config.success().capacity());
        this.denial = new CacheStore(config.denial().capacity());
        this.metrics = new CacheMetrics(this, String.join(",", config.zones()));
    }
}
