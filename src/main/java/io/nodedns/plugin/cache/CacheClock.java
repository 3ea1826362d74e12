package io.nodedns.plugin.cache;

/** Time as the cache sees it; tests substitute a manual clock to age entries without sleeping. */
interface CacheClock {
    /** Monotonic nanoseconds, for entry ages. */
    long nanoTime();

    /** Wall-clock seconds since the epoch, for RRSIG validity windows. */
    long epochSeconds();

    /** Wall-clock milliseconds since the epoch, for ageing a persist file across a restart. */
    default long epochMillis() {
        return epochSeconds() * 1000;
    }

    CacheClock SYSTEM = new CacheClock() {
        @Override
        public long nanoTime() {
            return System.nanoTime();
        }

        @Override
        public long epochSeconds() {
            return System.currentTimeMillis() / 1000;
        }

        @Override
        public long epochMillis() {
            return System.currentTimeMillis();
        }
    };
}
