package io.nodedns.plugin.loop;

import io.nodedns.config.ConfigException;
import io.nodedns.config.Directive;
import io.nodedns.config.Dispenser;
import io.nodedns.config.ServerKey;
import io.nodedns.server.PluginSetup;
import io.nodedns.server.SetupContext;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;

/**
 * {@code loop}, no arguments, once per block: probes the block's first listen address with a
 * random HINFO query at start and stops the process if the probe comes back more than twice.
 */
public final class LoopSetup implements PluginSetup {
    @Override
    public void setup(SetupContext ctx) throws ConfigException {
        Directive d = ctx.once();
        Dispenser dispenser = d.dispenser();
        dispenser.next();
        dispenser.requireNoMoreArgs();
        ServerKey key = ctx.keys().getFirst();
        String host = ctx.boundHosts().isEmpty() ? "" : ctx.boundHosts().getFirst();
        InetSocketAddress target;
        try {
            InetAddress ip = host.isEmpty()
                    ? InetAddress.getLoopbackAddress()
                    : InetAddress.getByName(host.replaceAll("%.*", ""));
            if (ip.isAnyLocalAddress()) {
                ip = InetAddress.getLoopbackAddress();
            }
            target = new InetSocketAddress(ip, key.port());
        } catch (UnknownHostException e) {
            throw d.pluginErr(d.nameToken(), "cannot probe " + host + ": " + e.getMessage());
        }
        LoopHandler detector = new LoopHandler(key.zone(), target, ctx.shared());
        ctx.addHandler(detector);
        ctx.addLifecycle(detector);
    }
}
