package io.nodedns.plugin.nodecache;

import io.nodedns.server.Lifecycle;
import java.util.function.Supplier;

/**
 * Connects one configuration to the process's {@link NodeNetwork}: addresses before bind, rules
 * after bind, nothing on a reload's stop (the next configuration takes over the same network),
 * teardown only at final shutdown.
 */
public final class NodecacheLifecycle implements Lifecycle {
    private final NodeNetwork network;
    private final Supplier<NodecacheConfig> config;

    public NodecacheLifecycle(NodeNetwork network, Supplier<NodecacheConfig> config) {
        this.network = network;
        this.config = config;
    }

    @Override
    public void prepare() {
        network.configure(config.get());
    }

    @Override
    public void start() {
        network.start();
    }

    @Override
    public void shutdown() {
        network.shutdown();
    }
}
