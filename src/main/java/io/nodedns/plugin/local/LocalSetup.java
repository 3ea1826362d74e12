package io.nodedns.plugin.local;

import io.nodedns.config.ConfigException;
import io.nodedns.config.Directive;
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
        boolean prefix = true;
        for (Directive directive : ctx.occurrences()) {
            prefix = parse(directive.dispenser(), prefix);
        }
        ctx.shared().metrics(LocalMetrics.KEY, k -> new LocalMetrics()); // once per process: the counter has no server label
        ctx.addHandler(new LocalHandler(prefix));
    }

    static boolean parse(Dispenser d, boolean prefix) throws ConfigException {
        d.next();
        d.requireNoMoreArgs();
        while (d.nextBlock()) {
            if (!d.val().equals("localhost_prefix")) {
                throw d.pluginErr("unknown property '" + d.val() + "'");
            }
            String value = d.requireArg();
            d.requireNoMoreArgs();
            prefix = switch (value) {
                case "on" -> true;
                case "off" -> false;
                default -> throw d.pluginErr("localhost_prefix expects 'on' or 'off', got \"" + value + "\"");
            };
        }
        return prefix;
    }
}
