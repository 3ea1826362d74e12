package io.nodedns.plugin.ready;

/**
 * What {@code ready} sets up.
 *
 * @param address      where {@code /ready} is served ({@code [HOST]:PORT})
 * @param continuously whether {@code /ready} keeps asking the plugins after they were all ready once
 */
record ReadyConfig(String address, boolean continuously) {
}
