package io.nodedns.plugin.cache;

import java.time.Duration;
import java.util.List;

/**
 * One {@code cache} directive after parsing, with CoreDNS's defaults. TTLs are whole seconds;
 * {@code staleUpTo} zero means serve_stale is off; {@code persist} null means no warm-restart
 * file. Two configs that are equal share their cache contents across a reload.
 */
record CacheConfig(
        List<String> zones,
        StoreLimits success, StoreLimits denial,
        Duration servfailTtl,
        int prefetch, Duration prefetchWindow, int prefetchPercentage,
        Duration staleUpTo, boolean verifyStale, Duration verifyTimeout, long staleTtl, Duration staleRecheck,
        boolean preferPositive,
        List<String> disableSuccess, List<String> disableDenial,
        boolean keepTtl,
        String persist) {

    static final int DEFAULT_CAPACITY = 10_000;
    /** CoreDNS's maxTTL and minTTL. */
    static final StoreLimits DEFAULT_SUCCESS = new StoreLimits(DEFAULT_CAPACITY, 3600, 5);
    /** CoreDNS's maxNTTL and minNTTL. */
    static final StoreLimits DEFAULT_DENIAL = new StoreLimits(DEFAULT_CAPACITY, 1800, 5);
    static final Duration DEFAULT_SERVFAIL = Duration.ofSeconds(5);
    static final Duration MAX_SERVFAIL = Duration.ofMinutes(5);

    CacheConfig {
        zones = List.copyOf(zones);
        disableSuccess = List.copyOf(disableSuccess);
        disableDenial = List.copyOf(disableDenial);
    }

    /**
     * Every option, as the key under which equal configs share a store across reloads. Written out
     * rather than the record's generated one: that is bootstrapped at first use through
     * java.lang.runtime.ObjectMethods, which for 20 components spun about 80 method-handle classes
     * and took 0.3 s of the main thread before the first answer (docs/operations.md "Start-up and
     * JVM flags").
     */
    @Override
    public String toString() {
        return new StringBuilder(160).append("CacheConfig[zones=").append(zones)
                .append(", success=").append(success).append(", denial=").append(denial)
                .append(", servfailTtl=").append(servfailTtl)
                .append(", prefetch=").append(prefetch).append('/').append(prefetchWindow).append('/')
                .append(prefetchPercentage)
                .append(", staleUpTo=").append(staleUpTo).append(", verifyStale=").append(verifyStale)
                .append(", verifyTimeout=").append(verifyTimeout).append(", staleTtl=").append(staleTtl)
                .append(", staleRecheck=").append(staleRecheck).append(", preferPositive=").append(preferPositive)
                .append(", disableSuccess=").append(disableSuccess).append(", disableDenial=").append(disableDenial)
                .append(", keepTtl=").append(keepTtl).append(']').toString();
    }

    /**
     * What a {@code success} or {@code denial} line sets for its store: how many entries it holds,
     * and the bounds (seconds) of their TTLs.
     */
    record StoreLimits(int capacity, long maxTtl, long minTtl) {
        StoreLimits withMaxTtl(long ttl) {
            return new StoreLimits(capacity, ttl, minTtl);
        }

        /** Written out, as {@link CacheConfig#toString} is. */
        @Override
        public String toString() {
            return new StringBuilder(24).append(capacity).append('/').append(maxTtl).append('/').append(minTtl)
                    .toString();
        }
    }

    /** A mutable builder, so the parser can apply options in any order. */
    static final class Builder {
        List<String> zones = List.of(".");
        StoreLimits success = DEFAULT_SUCCESS;
        StoreLimits denial = DEFAULT_DENIAL;
        Duration servfailTtl = DEFAULT_SERVFAIL;
        int prefetch;
        Duration prefetchWindow = Duration.ofMinutes(1);
        int prefetchPercentage = 10;
        Duration staleUpTo = Duration.ZERO;
        boolean verifyStale;
        Duration verifyTimeout = Duration.ZERO;
        long staleTtl;
        Duration staleRecheck = Duration.ZERO;
        boolean preferPositive;
        List<String> disableSuccess = List.of();
        List<String> disableDenial = List.of();
        boolean keepTtl;
        /** The warm-restart file, or null (off). */
        String persist;

        CacheConfig build() {
            return new CacheConfig(zones, success, denial, servfailTtl, prefetch, prefetchWindow, prefetchPercentage,
                    staleUpTo, verifyStale,
                    verifyTimeout, staleTtl, staleRecheck, preferPositive, disableSuccess, disableDenial, keepTtl,
                    persist);
        }
    }
}
