package io.nodedns.server;

import io.nodedns.wire.Names;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.agrona.DirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;

/**
 * The zones one listener serves, for the longest-suffix match of CoreDNS (CoreDNS core/dnsserver/server.go): an
 * open-addressing table of lower-cased wire names, looked up straight from the query buffer, so
 * routing builds no strings. Immutable; a reload publishes a new one.
 */
public final class ZoneTable {
    private final UnsafeBuffer names;
    private final int[] slotOffset;
    private final int[] slotLength;
    private final int[] slotHash;
    private final ServerConfig[] slotConfig;
    private final int mask;
    private final ServerConfig root;
    private final boolean allowsAnyClass;
    private final List<String> zoneNames;

    /** Builds the table; {@code zones.get(i)} is served by {@code configs.get(i)}, first one wins. */
    public ZoneTable(List<String> zones, List<ServerConfig> configs) {
        int capacity = Integer.highestOneBit(Math.max(4, zones.size() * 4 - 1)) << 1;
        this.mask = capacity - 1;
        this.slotOffset = new int[capacity];
        this.slotLength = new int[capacity];
        this.slotHash = new int[capacity];
        this.slotConfig = new ServerConfig[capacity];
        this.names = new UnsafeBuffer(new byte[Math.max(1, zones.size() * 256)]);
        ServerConfig rootConfig = null;
        boolean anyClass = false;
        List<String> seen = new ArrayList<>();
        int used = 0;
        for (int i = 0; i < zones.size(); i++) {
            String zone = zones.get(i).toLowerCase(Locale.ROOT);
            ServerConfig config = configs.get(i);
            anyClass |= config.allowsAnyClass();
            if (seen.contains(zone)) {
                continue;
            }
            seen.add(zone);
            if (zone.equals(".")) {
                rootConfig = config;
                continue;
            }
            int length = Names.fromString(zone, names, used);
            if (length <= 0) {
                throw new IllegalArgumentException("invalid zone " + zone);
            }
            int hash = Names.hashLowerCase(names, used, length);
            int slot = hash & mask;
            while (slotConfig[slot] != null) {
                slot = (slot + 1) & mask;
            }
            slotOffset[slot] = used;
            slotLength[slot] = length;
            slotHash[slot] = hash;
            slotConfig[slot] = config;
            used += length;
        }
        this.root = rootConfig;
        this.allowsAnyClass = anyClass;
        this.zoneNames = List.copyOf(seen);
    }

    public List<String> zones() {
        return zoneNames;
    }

    boolean allowsAnyClass() {
        return allowsAnyClass;
    }

    /**
     * The block for a question name (uncompressed, at {@code off}, {@code len} bytes including the
     * root label), or null if none serves it. For DS the parent-most match wins.
     */
    public ServerConfig find(DirectBuffer buffer, int off, int len, boolean ds) {
        ServerConfig found = null;
        int end = off + len;
        int p = off;
        while (p < end - 1) { // the last byte is the root label
            ServerConfig config = lookup(buffer, p, end - p);
            if (config != null) {
                if (!ds) {
                    return config;
                }
                found = config;
            }
            p += (buffer.getByte(p) & 0xff) + 1;
        }
        return found != null ? found : root;
    }

    private ServerConfig lookup(DirectBuffer buffer, int off, int len) {
        int hash = Names.hashLowerCase(buffer, off, len);
        int slot = hash & mask;
        ServerConfig config;
        while ((config = slotConfig[slot]) != null) {
            if (slotHash[slot] == hash && slotLength[slot] == len
                    && Names.equalsIgnoreCase(names, slotOffset[slot], buffer, off, len)) {
                return config;
            }
            slot = (slot + 1) & mask;
        }
        return null;
    }
}
