package io.nodedns.plugin.any;

import io.nodedns.config.ConfigException;
import io.nodedns.server.PluginSetup;
import io.nodedns.server.SetupContext;

/** {@code any} takes no arguments (CoreDNS plugin/any). */
public final class AnySetup implements PluginSetup {
    @Override
    public void setup(SetupContext ctx) throws ConfigException {
        ctx.requireBare();
        ctx.addHandler(new AnyHandler());
    }
}
