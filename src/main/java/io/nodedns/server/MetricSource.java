package io.nodedns.server;

/**
 * A plugin instance's series, read at scrape time (CoreDNS: each plugin's metrics.go). A plugin
 * declares its series in one class implementing this and adds it with
 * {@link SetupContext#addMetrics}, or once per process with {@link Shared#metrics}; the prometheus plugin reads the sources of the configuration
 * now serving and adds the counters of sources a reload retired to a running total, so counters
 * never go backwards. The query path only bumps the plugin's own counters.
 */
public interface MetricSource {
    /**
     * Upper bounds (seconds) of every duration histogram: CoreDNS's plugin.TimeBuckets,
     * ExponentialBuckets(0.00025, 2, 16). The +Inf bucket is implied.
     */
    double[] TIME_BUCKETS = timeBuckets();

    /** Reports this source's current values; {@code server} is the block's server label ("" for a process-wide source). */
    void collect(Sink out, String server);

    /** Where a source reports; {@code labels} are name, value pairs. */
    interface Sink {
        /** A counter; the same series from several sources is summed. */
        void counter(String name, String help, double value, String... labels);

        /** A gauge; the same series from several sources takes the largest, and a retired source's value is dropped. */
        void gauge(String name, String help, double value, String... labels);

        /**
         * A histogram over {@link #TIME_BUCKETS}: {@code buckets} holds non-cumulative counts, one
         * per bound and a last one above it; {@code sum} is in seconds.
         */
        void histogram(String name, String help, long[] buckets, double sum, String... labels);
    }

    private static double[] timeBuckets() {
        double[] bounds = new double[16];
        for (int i = 0; i < bounds.length; i++) {
            bounds[i] = 0.00025 * (1L << i);
        }
        return bounds;
    }
}
