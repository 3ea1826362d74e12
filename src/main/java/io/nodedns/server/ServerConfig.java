package io.nodedns.server;

import io.nodedns.config.ServerKey;
import java.util.List;

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
    private final org.agrona.concurrent.UnsafeBuffer zoneWire;
    private final int[] zoneOffset;
    private final int[] zoneLength;

    private final String serverLabel;
    private final List<MetricSource> metrics;

    ServerConfig(List<ServerKey> keys, List<Handler> handlers, boolean allowsAnyClass, String serverLabel,
            List<MetricSource> metrics) {
        this.serverLabel = serverLabel;
        this.metrics = List.copyOf(metrics);
        this.keys = List.copyOf(keys);
        this.zones = keys.stream().map(ServerKey::zone).distinct().toList();
        this.handlers = List.copyOf(handlers);
        this.head = handlers.isEmpty() ? null : handlers.getFirst();
        this.allowsAnyClass = allowsAnyClass;
        this.zoneWire = new org.agrona.concurrent.UnsafeBuffer(new byte[Math.max(1, zones.size() * 256)]);
        this.zoneOffset = new int[zones.size()];
        this.zoneLength = new int[zones.size()];
        int used = 0;
        for (int i = 0; i < zones.size(); i++) {
            int length = io.nodedns.wire.Names.fromString(zones.get(i), zoneWire, used);
            zoneOffset[i] = used;
            zoneLength[i] = Math.max(0, length);
            used += Math.max(0, length);
        }
    }

    /**
     * The index in {@link #zones()} of the longest zone that equals or contains the uncompressed
     * name at {@code off}, or -1; allocation-free (the metrics plugin's "zone" label).
     */
    public int zoneIndex(org.agrona.DirectBuffer buffer, int off, int len) {
        int end = off + len;
        int p = off;
        while (p < end) {
            int suffix = end - p;
            for (int i = 0; i < zoneLength.length; i++) {
                if (zoneLength[i] == suffix
                        && io.nodedns.wire.Names.equalsIgnoreCase(zoneWire, zoneOffset[i], buffer, p, suffix)) {
                    return i;
                }
            }
            int label = buffer.getByte(p) & 0xff;
            if (label == 0) {
                break;
            }
            p += label + 1;
        }
        return -1;
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
