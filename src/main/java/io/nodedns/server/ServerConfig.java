package io.nodedns.server;

import io.nodedns.config.ServerKey;
import io.nodedns.wire.ZoneSet;
import java.util.List;
import org.agrona.DirectBuffer;

/**
 * One server block after setup: its zones and its plugin chain. Every zone (key) of a block
 * shares this object, as in CoreDNS where the keys of a block share one instance of each plugin.
 */
public final class ServerConfig {
    private final List<ServerKey> keys;
    private final List<String> zones;
    private final List<Handler> handlers;
    private final Handler head;
    private final boolean allowsAnyClass;
    private final ZoneSet zoneSet;
    private final String serverLabel;
    private final List<MetricSource> metrics;

    /** The block {@code ctx} set up, with its handlers linked into {@code chain}. */
    ServerConfig(SetupContext ctx, List<Handler> chain, String serverLabel) {
        this.serverLabel = serverLabel;
        this.metrics = List.copyOf(ctx.metrics());
        this.keys = ctx.keys();
        this.zones = ctx.zones();
        this.zoneSet = ZoneSet.of(zones);
        this.handlers = List.copyOf(chain);
        this.head = handlers.isEmpty() ? null : handlers.getFirst();
        this.allowsAnyClass = ctx.allowsAnyClass();
    }

    /**
     * The index in {@link #zones()} of the longest zone that equals or contains the uncompressed
     * name at {@code off}, or -1; allocation-free (the metrics plugin's "zone" label).
     */
    public int zoneIndex(DirectBuffer buffer, int off, int len) {
        return zoneSet.longest(buffer, off, len);
    }

    /** The metrics "server" label of the block's first listen address, e.g. {@code dns://:53}. */
    public String serverLabel() {
        return serverLabel;
    }

    public List<ServerKey> keys() {
        return keys;
    }

    /** The block's zones, normalized (lower case, fully qualified), in key order. */
    public List<String> zones() {
        return zones;
    }

    /** The block's plugins' series (a source shared by several blocks appears in each). */
    public List<MetricSource> metrics() {
        return metrics;
    }

    public List<Handler> handlers() {
        return handlers;
    }

    /** The first handler of the chain, or null for a block without plugins (answers REFUSED). */
    public Handler head() {
        return head;
    }

    /** True if a plugin here (forward, chaos) lets non-IN classes through (CoreDNS core/dnsserver, before the chain). */
    boolean allowsAnyClass() {
        return allowsAnyClass;
    }
}
