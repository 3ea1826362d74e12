package io.nodedns.plugin.metadata;

import io.nodedns.config.ConfigException;
import io.nodedns.config.Dispenser;
import io.nodedns.server.PluginSetup;
import io.nodedns.server.SetupContext;
import java.util.List;

/** {@code metadata [ZONES...]}, once per block, without a block of options (CoreDNS plugin/metadata). */
public final class MetadataSetup implements PluginSetup {
    @Override
    public void setup(SetupContext ctx) throws ConfigException {
        Dispenser d = ctx.once().dispenser();
        d.next();
        List<String> zones = d.zoneArgs(ctx.zones());
        if (d.nextBlock()) {
            throw d.argErr();
        }
        MetadataHandler handler = new MetadataHandler(zones, ctx.blockMetadataProviders());
        ctx.addHandler(handler);
        ctx.addLifecycle(handler);
    }
}
