package io.nodedns.plugin.multisocket;

import io.nodedns.config.ConfigException;
import io.nodedns.config.Dispenser;
import io.nodedns.server.ListenerSettings;
import io.nodedns.server.PluginSetup;
import io.nodedns.server.SetupContext;

/**
 * {@code multisocket [NUM_SOCKETS]}: how many SO_REUSEPORT UDP sockets (each with its own loop
 * thread) a listener opens. Default: one per available core, as CoreDNS's default is GOMAXPROCS.
 * Also the default without the directive. Range 1..1024.
 */
public final class MultisocketSetup implements PluginSetup {
    static final int MAX = 1024;

    @Override
    public void setup(SetupContext ctx) throws ConfigException {
        ctx.settings(ctx.settings().withUdpLoops(parse(ctx.once().dispenser())));
    }

    /** The number of UDP loops one occurrence asks for (the dispenser stands before the name). */
    static int parse(Dispenser d) throws ConfigException {
        d.next();
        int n = ListenerSettings.defaultLoops();
        if (d.nextArg()) {
            try {
                n = Integer.parseInt(d.val());
            } catch (NumberFormatException e) {
                throw d.pluginErr("invalid num sockets: '" + d.val() + "'");
            }
            if (n < 1 || n > MAX) {
                throw d.pluginErr("num sockets must be between 1 and " + MAX + ", got " + n);
            }
            d.requireNoMoreArgs();
        }
        if (d.nextBlock()) {
            throw d.pluginErr("takes no block");
        }
        return n;
    }
}
