package io.nodedns.plugin.loop;

import java.net.InetSocketAddress;

/**
 * What {@code loop} sets up.
 *
 * @param zone   the block's first zone, under which the probe name is made
 * @param target where the probe goes: the block's first listen address (loopback for a wildcard)
 */
record LoopConfig(String zone, InetSocketAddress target) {
}
