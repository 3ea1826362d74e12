package io.nodedns.plugin.ready;

import io.nodedns.config.ConfigException;
import io.nodedns.config.Dispenser;
import io.nodedns.server.HttpAddress;
import io.nodedns.server.HttpRoute;
import io.nodedns.server.PluginSetup;
import io.nodedns.server.SetupContext;

/**
 * {@code ready [ADDR] [{ monitor until-ready|continuously }]} (CoreDNS plugin/ready): {@code /ready} is 200 when
 * every plugin of this block that reports readiness is ready, else 503 with the sorted list of
 * those that are not; 503 "Shutting down" once a stop has begun. ADDR defaults to {@code :8181}.
 */
public final class ReadySetup implements PluginSetup {
    public static final String DEFAULT_ADDRESS = ":8181";

    @Override
    public void setup(SetupContext ctx) throws ConfigException {
        ReadyConfig config = parse(ctx.once().dispenser());
        // Blocks naming the same address share one /ready that asks all of their plugins.
        ReadyHandler handler = (ReadyHandler) ctx.buildState().computeIfAbsent("ready:" + config.address(),
                k -> new ReadyHandler(ctx.shared(), config.continuously()));
        handler.add(ctx.blockReadiness());
        ctx.addHttpRoute(new HttpRoute(config.address(), "/ready", handler));
    }

    /** Parses one occurrence (the dispenser stands before the name). */
    static ReadyConfig parse(Dispenser d) throws ConfigException {
        d.next();
        String address = HttpAddress.optional(d, DEFAULT_ADDRESS);
        boolean continuously = false;
        while (d.nextBlock()) {
            if (!d.val().equals("monitor")) {
                throw d.unknownProperty();
            }
            d.requireArg();
            switch (d.val()) {
                case "until-ready" -> continuously = false;
                case "continuously" -> continuously = true;
                default -> throw d.pluginErr("monitor must be until-ready or continuously, not '" + d.val() + "'");
            }
            d.requireNoMoreArgs();
        }
        return new ReadyConfig(address, continuously);
    }
}
