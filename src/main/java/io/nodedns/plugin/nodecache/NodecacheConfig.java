package io.nodedns.plugin.nodecache;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/**
 * What to set up for the node-local addresses: the link, node-cache's iptables rules per address
 * and port, how often to re-check, and whether to tear down at exit.
 *
 * @param targets  every address with the DNS port it serves on (a block's bind addresses)
 * @param lockDir  the directory where live instances register, or null to not coordinate
 */
public record NodecacheConfig(List<Target> targets, String interfaceName, boolean setupInterface, boolean setupIptables,
        Duration syncInterval, boolean skipTeardown, int healthPort, Backend backend,
        Path lockDir) {
    public static final String DEFAULT_INTERFACE = "nodelocaldns";
    public static final Duration DEFAULT_SYNC = Duration.ofSeconds(60);
    public static final int DEFAULT_HEALTH_PORT = 8080;
    public static final Path DEFAULT_LOCK_DIR = Path.of("/run/nodedns");

    /** One listen address (canonical text, no zone) and the DNS port served on it. */
    public record Target(String ip, int port) {
        public boolean ipv6() {
            return ip.indexOf(':') >= 0;
        }
    }

    /** Which iptables binaries to drive: the one the node's other agents use (auto), or forced. */
    public enum Backend {
        AUTO, NFT, LEGACY
    }

    public NodecacheConfig {
        targets = List.copyOf(targets);
    }

    public NodecacheConfig withTargets(List<Target> newTargets) {
        return new NodecacheConfig(newTargets, interfaceName, setupInterface, setupIptables, syncInterval, skipTeardown,
                healthPort, backend, lockDir);
    }

    /** The same options (everything except the targets); blocks sharing one process must agree on them. */
    boolean sameOptions(NodecacheConfig other) {
        return withTargets(List.of()).equals(other.withTargets(List.of()));
    }
}
