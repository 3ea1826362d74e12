package io.nodedns.server;

import io.nodedns.data.ChunkedBytes;
import io.nodedns.data.DataBudget;
import io.nodedns.data.NameIndex;
import io.nodedns.wire.Names;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.agrona.DirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;

/**
 * The zones one listener serves, for the longest-suffix match of CoreDNS (CoreDNS core/dnsserver/server.go): the
 * names in a {@link NameIndex} (the one name table, as hosts and file use it), each with its
 * block's index, looked up straight from the query buffer, so routing builds no strings.
 * Immutable; a reload publishes a new one.
 */
public final class ZoneTable {
    private final NameIndex index;
    private final ServerConfig[] configs;
    private final ServerConfig root;
    private final boolean allowsAnyClass;
    private final List<String> zoneNames;

    /** Builds the table; {@code zones.get(i)} is served by {@code configs.get(i)}, first one wins. */
    public ZoneTable(List<String> zones, List<ServerConfig> configs) {
        DataBudget budget = new DataBudget(Long.MAX_VALUE, "zone names");
        ChunkedBytes names = new ChunkedBytes(budget, NameIndex.MAX_BYTES);
        this.index = new NameIndex(names, budget);
        this.configs = configs.toArray(new ServerConfig[0]);
        UnsafeBuffer wire = new UnsafeBuffer(new byte[Names.MAX_NAME_LENGTH + 1]);
        ServerConfig rootConfig = null;
        boolean anyClass = false;
        List<String> seen = new ArrayList<>();
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
            int length = Names.fromString(zone, wire, 0);
            if (length <= 0) {
                throw new IllegalArgumentException("invalid zone " + zone);
            }
            index.addWithValue(wire, 0, length, i);
        }
        names.trim();
        index.trim();
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
        int i = index.value(buffer, off, len);
        return i < 0 ? null : configs[i];
    }
}
