package io.nodedns.plugin.whoami;

import io.nodedns.config.ConfigException;
import io.nodedns.config.Directive;
import io.nodedns.config.Dispenser;
import io.nodedns.server.PluginSetup;
import io.nodedns.server.SetupContext;

/** {@code whoami} takes no arguments. */
public final class WhoamiSetup implements PluginSetup {
    @Override
    public void setup(SetupContext ctx) throws ConfigException {
        for (Directive d : ctx.occurrences()) {
            Dispenser dispenser = d.dispenser();
            dispenser.next();
            if (dispenser.nextArg()) {
                throw dispenser.argErr();
            }
        }
        ctx.addHandler(new Whoami());
    }
}
