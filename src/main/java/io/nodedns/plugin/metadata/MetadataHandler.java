package io.nodedns.plugin.metadata;

import io.nodedns.server.ChainHandler;
import io.nodedns.server.Exchange;
import io.nodedns.server.Lifecycle;
import io.nodedns.server.MetadataProvider;
import io.nodedns.wire.QueryView;
import io.nodedns.wire.ZoneSet;
import java.util.List;

/**
 * Turns on metadata for every query of its block (CoreDNS plugin/metadata): plugins may then publish
 * labels as they handle it (forward/upstream), and for names under its zones the block's providers
 * (kubernetes) are asked first. Without this plugin in the block nothing is collected and a
 * publisher's call is one branch.
 */
final class MetadataHandler extends ChainHandler implements Lifecycle {
    private final ZoneSet zones;
    private final List<MetadataProvider> live;
    private volatile MetadataProvider[] providers = new MetadataProvider[0];

    MetadataHandler(List<String> zones, List<MetadataProvider> live) {
        super("metadata");
        this.zones = ZoneSet.of(zones);
        this.live = live;
    }

    /** The providers are set up after metadata (it comes first in the order): taken once setup is done. */
    @Override
    public void prepare() {
        providers = live.toArray(new MetadataProvider[0]);
    }

    @Override
    public int serve(Exchange ex) {
        ex.collectMetadata();
        QueryView q = ex.query();
        if (zones.contains(ex.request(), q.qnameOffset(), q.qnameLength())) {
            for (MetadataProvider p : providers) {
                p.metadata(ex);
            }
        }
        return next(ex);
    }
}
