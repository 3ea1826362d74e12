package io.nodedns;

import io.nodedns.plugin.nodecache.NodeNetwork;
import io.nodedns.plugin.nodecache.NodecacheConfig;
import io.nodedns.plugin.nodecache.NodecacheLifecycle;
import io.nodedns.plugin.nodecache.NodecacheSetup;
import io.nodedns.plugin.prometheus.PrometheusSetup;
import io.nodedns.server.Periodic;
import io.nodedns.server.Server;
import java.util.ArrayList;
import java.util.List;

/**
 * node-cache's networking driven by its flags instead of a {@code nodecache} directive: the same
 * {@link NodeNetwork} (addresses before bind, rules after, teardown at exit), attached to the
 * process so the ConfigMap's Corefile runs unchanged, plus node-cache's own metrics listener and
 * its ConfigMap sync.
 */
final class NodeCacheProcess {
    private NodeCacheProcess() {}

    static void attach(Server server, NodeCacheFlags flags, int dnsPort, NodeCacheSync sync) {
        List<NodecacheConfig.Target> targets = new ArrayList<>();
        for (String ip : flags.localIps()) {
            targets.add(new NodecacheConfig.Target(ip, dnsPort));
        }
        NodecacheConfig config = new NodecacheConfig(targets, flags.interfaceName(), flags.setupInterface(),
                flags.setupIptables(), flags.syncInterval(), flags.skipTeardown(), flags.healthPort(),
                NodecacheConfig.Backend.AUTO, flags.lockDir());
        NodeNetwork network = NodecacheSetup.network(server.shared(), NodeNetwork.systemRunner());
        server.addProcessLifecycle(new NodecacheLifecycle(network, () -> config));
        sync.onRendered(server::reloadOnSignal);
        sync.onError(network::configMapError);
        server.addProcessLifecycle(new Periodic("nodedns-nodecache-sync", flags.configPeriod(), sync::check));
        if (!flags.metricsListenAddress().isEmpty()) {
            server.addProcessRoute(PrometheusSetup.processRoute(server.shared(), flags.metricsListenAddress()));
        }
    }
}
