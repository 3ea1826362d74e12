package io.nodedns.plugin.minimal;

import io.nodedns.config.ConfigException;
import io.nodedns.server.PluginSetup;
import io.nodedns.server.SetupContext;

/** {@code minimal} takes no arguments (CoreDNS plugin/minimal). */
public final class MinimalSetup implements PluginSetup {
    @Override
    public void setup(SetupContext ctx) throws ConfigException {
        ctx.requireBare();
        ctx.addHandler(new MinimalHandler());
    }
}
