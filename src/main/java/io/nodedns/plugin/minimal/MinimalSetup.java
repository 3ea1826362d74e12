package io.nodedns.plugin.minimal;

import io.nodedns.config.ConfigException;
import io.nodedns.config.Directive;
import io.nodedns.config.Dispenser;
import io.nodedns.server.PluginSetup;
import io.nodedns.server.SetupContext;

/** {@code minimal} takes no arguments (CoreDNS plugin/minimal). */
public final class MinimalSetup implements PluginSetup {
    @Override
    public void setup(SetupContext ctx) throws ConfigException {
        for (Directive directive : ctx.occurrences()) {
            Dispenser d = directive.dispenser();
            d.next();
            d.requireBare();
        }
        ctx.addHandler(new MinimalHandler());
    }
}
