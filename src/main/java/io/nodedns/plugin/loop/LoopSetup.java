package io.nodedns.plugin.loop;

import io.nodedns.config.ConfigException;
import io.nodedns.config.Dispenser;
import io.nodedns.config.ServerKey;
import io.nodedns.server.PluginSetup;
import io.nodedns.server.SetupContext;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.util.List;

/**
 * {@code loop}, no arguments, once per block: probes the block's first listen address with a
 * random HINFO query at start and stops the process if the probe comes back more than twice.
 */
public final class LoopSetup implements PluginSetup {
    @Override
    public void setup(SetupContext ctx) throws ConfigException {
        LoopConfig config = parse(ctx.once().dispenser(), ctx.keys().getFirst(), ctx.boundHosts());
        LoopHandler detector = new LoopHandler(config, ctx.shared());
        ctx.addHandler(detector);
        ctx.addLifecycle(detector);
    }

    /** Parses the occurrence (the dispenser stands before the name) for a block with this first key and bind hosts. */
    static LoopConfig parse(Dispenser d, ServerKey key, List<String> boundHosts) throws ConfigException {
        d.next();
        d.requireNoMoreArgs();
        String host = boundHosts.isEmpty() ? "" : boundHosts.getFirst();
        try {
            InetAddress ip = host.isEmpty()
                    ? InetAddress.getLoopbackAddress()
                    : InetAddress.getByName(host.replaceAll("%.*", ""));
            if (ip.isAnyLocalAddress()) {
                ip = InetAddress.getLoopbackAddress();
            }
            return new LoopConfig(key.zone(), new InetSocketAddress(ip, key.port()));
        } catch (UnknownHostException e) {
            throw d.pluginErr("cannot probe " + host + ": " + e.getMessage());
        }
    }
}
