package io.nodedns.plugin.cache;

import java.time.Duration;

/** A clock tests move by hand, so entries age without sleeping. */
final class CacheTestClock implements CacheClock {
    private volatile long nanos = 1_000_000_000_000L;
    private volatile long epochOffset;

    @Override
    public long nanoTime() {
        return nanos;
    }

    @Override
    public long epochSeconds() {
        return System.currentTimeMillis() / 1000 + epochOffset;
    }

    void advance(Duration d) {
        nanos += d.toNanos();
        epochOffset += d.toSeconds();
    }

    void advanceSeconds(long seconds) {
        advance(Duration.ofSeconds(seconds));
    }
}
