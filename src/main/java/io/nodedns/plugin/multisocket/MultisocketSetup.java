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
        Dispenser d = ctx.once().dispenser();
        d.next();
        int n = ListenerSettings.defaultLoops();
        if (d.nextArg()) {
            try {
                n = Integer.parseInt(d.val());
            } catch (NumberFormatException e) {
                throw d.err("plugin/multisocket: invalid num sockets: '" + d.val() + "'");
            }
            if (n < 1 || n > MAX) {
                throw d.err("plugin/multisocket: num sockets must be between 1 and " + MAX + ", got " + n);
            }
            if (d.nextArg()) {
                throw d.argErr();
            }
        }
        if (d.nextBlock()) {
            throw d.err("plugin/multisocket: takes no block");
        }
        ctx.settings(ctx.settings().withUdpLoops(n));
    }
}
