package io.nodedns.plugin.prometheus;

/**
 * What {@code prometheus} sets up.
 *
 * @param address        where {@code /metrics} is served ({@code [HOST]:PORT})
 * @param runtimeMetrics whether the finer JVM series are added (for every block sharing the endpoint)
 */
record PrometheusConfig(String address, boolean runtimeMetrics) {
}
