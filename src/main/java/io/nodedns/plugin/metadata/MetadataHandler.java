package io.nodedns.plugin.metadata;

import io.nodedns.server.ChainHandler;
import io.nodedns.server.Exchange;
import io.nodedns.server.Lifecycle;
import io.nodedns.server.MetadataProvider;
import io.nodedns.wire.NameSuffix;
import io.nodedns.wire.Names;
import io.nodedns.wire.QueryView;
import java.util.List;
import org.agrona.concurrent.UnsafeBuffer;

/**
 * Turns on metadata for every query of its block (CoreDNS plugin/metadata): plugins may then publish
 * labels as they handle it (forward/upstream), and for names under its zones the block's providers
 * (kubernetes) are asked first. Without this plugin in the block nothing is collected and a
 * publisher's call is one branch.
 */
final class MetadataHandler extends ChainHandler implements Lifecycle {
    private final UnsafeBuffer[] zones;
    private final int[] zoneLengths;
    private final List<MetadataProvider> live;
    private volatile MetadataProvider[] providers = new MetadataProvider[0];

    MetadataHandler(List<String> zones, List<MetadataProvider> live) {
        this.zones = new UnsafeBuffer[zones.size()];
        this.zoneLengths = new int[zones.size()];
        for (int i = 0; i < zones.size(); i++) {
            this.zones[i] = new UnsafeBuffer(new byte[Names.MAX_NAME_LENGTH + 1]);
            this.zoneLengths[i] = Names.fromString(zones.get(i), this.zones[i], 0);
        }
        this.live = live;
    }

    @Override
    public String name() {
        return "metadata";
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
        for (int i = 0; i < zones.length; i++) {
            if (NameSuffix.endsWith(ex.request(), q.qnameOffset(), q.qnameLength(), zones[i], zoneLengths[i])) {
                for (MetadataProvider p : providers) {
                    p.metadata(ex);
                }
                break;
            }
        }
        return next(ex);
    }
}
