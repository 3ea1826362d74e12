package io.nodedns.plugin.whoami;

import io.nodedns.config.ConfigException;
import io.nodedns.server.PluginSetup;
import io.nodedns.server.SetupContext;

/** {@code whoami} takes no arguments (CoreDNS plugin/whoami). */
public final class WhoamiSetup implements PluginSetup {
    @Override
    public void setup(SetupContext ctx) throws ConfigException {
        ctx.requireBare();
        ctx.addHandler(new WhoamiHandler());
    }
}
