package io.nodedns.plugin.health;

import java.time.Duration;

/**
 * What {@code health} sets up.
 *
 * @param address  where {@code /health} is served ({@code [HOST]:PORT})
 * @param lameDuck how long a stopping process keeps serving DNS (the longest of all blocks wins)
 */
record HealthConfig(String address, Duration lameDuck) {
}
