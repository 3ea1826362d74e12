package io.nodedns.server;

import io.nodedns.config.ServerKey;
import io.nodedns.wire.ZoneSet;
import java.util.List;
import org.agrona.DirectBuffer;

/**
 * One server block after setup: its zones and its plugin chain. Every zone (key) of a block
 * shares this object, as in CoreDNS where the keys of a block share one instance of each plugin.
 *
 * @param serverLabel the metrics "server" label of the block's first listen address, e.g. {@code dns://:53}
 * @param keys the block's keys, normalized, in order
 * @param zones the block's zones, normalized (lower case, fully qualified), in key order
 * @param zoneSet the same zones in wire form (see {@link #zoneIndex})
 * @param metrics the block's plugins' series (a source shared by several blocks appears in each)
 * @param handlers the chain, linked
 * @param head the first handler of the chain, or null for a block without plugins (answers REFUSED)
 * @param allowsAnyClass true if a plugin here (forward, chaos) lets non-IN classes through (CoreDNS
 *     core/dnsserver, before the chain)
 */
public record ServerConfig(String serverLabel, List<ServerKey> keys, List<String> zones, ZoneSet zoneSet,
        List<MetricSource> metrics, List<Handler> handlers, Handler head, boolean allowsAnyClass) {

    /** The block {@code ctx} set up, with its handlers linked into {@code chain}. */
    static ServerConfig of(SetupContext ctx, List<Handler> chain, String serverLabel) {
        return new ServerConfig(serverLabel, ctx.keys(), ctx.zones(), ZoneSet.of(ctx.zones()),
                List.copyOf(ctx.metrics()), List.copyOf(chain), chain.isEmpty() ? null : chain.getFirst(),
                ctx.allowsAnyClass());
    }

    /**
     * The index in {@link #zones()} of the longest zone that equals or contains the uncompressed
     * name at {@code off}, or -1; allocation-free (the metrics plugin's "zone" label).
     */
    public int zoneIndex(DirectBuffer buffer, int off, int len) {
        return zoneSet.longest(buffer, off, len);
    }
}
