package io.nodedns.plugin.local;

import io.nodedns.config.ConfigException;
import io.nodedns.config.Dispenser;
import io.nodedns.server.PluginSetup;
import io.nodedns.server.SetupContext;

/**
 * {@code local [{ localhost_prefix on|off }]} (CoreDNS plugin/local). {@code localhost_prefix off}
 * stops answering {@code localhost.DOMAIN} names; {@code *.localhost.} is always answered.
 */
public final class LocalSetup implements PluginSetup {
    @Override
    public void setup(SetupContext ctx) throws ConfigException {
        LocalConfig config = ctx.parseEach(LocalConfig.DEFAULT, LocalSetup::parse);
        ctx.shared().metrics(LocalMetrics.KEY, k -> new LocalMetrics()); // once per process: the counter has no server label
        ctx.addHandler(new LocalHandler(config.localhostPrefix()));
    }

    /** Applies one occurrence (the dispenser stands before the name); a later line overrides an earlier one. */
    static LocalConfig parse(Dispenser d, LocalConfig previous) throws ConfigException {
        d.next();
        d.requireNoMoreArgs();
        LocalConfig config = previous;
        while (d.nextBlock()) {
            if (!d.val().equals("localhost_prefix")) {
                throw d.unknownProperty();
            }
            String value = d.requireArg();
            d.requireNoMoreArgs();
            config = switch (value) {
                case "on" -> new LocalConfig(true);
                case "off" -> new LocalConfig(false);
                default -> throw d.pluginErr("localhost_prefix expects 'on' or 'off', got \"" + value + "\"");
            };
        }
        return config;
    }
}
