package io.nodedns.plugin.hosts;

import io.nodedns.wire.Names;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.agrona.DirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;

/** Open-addressing table from lower-cased wire names to {@link HostsTable.NameEntry}; probes read names in place. */
final class NameTable {
    private final int[] hashes;
    private final HostsTable.NameEntry[] entries;
    private final int mask;

    private NameTable(int[] hashes, HostsTable.NameEntry[] entries) {
        this.hashes = hashes;
        this.entries = entries;
        this.mask = entries.length - 1;
    }

    /** A power of two at least twice the count, so probes stay short and always end at an empty slot. */
    static int capacityFor(int count) {
        return Integer.highestOneBit(Math.max(4, count * 2 + 1) - 1) << 1;
    }

    /**
     * Builds from per-family address maps. With {@code wildcardKeys} the "*." label is stripped
     * from each owner so lookups can probe with the query name's parent.
     */
    static NameTable build(Map<String, List<byte[]>> v4, Map<String, List<byte[]>> v6, int ttl, boolean wildcardKeys) {
        Set<String> names = new LinkedHashSet<>(v4.keySet());
        names.addAll(v6.keySet());
        int capacity = capacityFor(names.size());
        int[] hashes = new int[capacity];
        HostsTable.NameEntry[] entries = new HostsTable.NameEntry[capacity];
        for (String name : names) {
            String key = wildcardKeys ? name.substring(2) : name;
            byte[] wire = wire(key);
            UnsafeBuffer buffer = new UnsafeBuffer(wire);
            int hash = Names.hashLowerCase(buffer, 0, wire.length);
            int i = hash & (capacity - 1);
            while (entries[i] != null) {
                i = (i + 1) & (capacity - 1);
            }
            hashes[i] = hash;
            entries[i] = new HostsTable.NameEntry(buffer, wire.length,
                    HostsTable.addressAnswers(v4.get(name), ttl), HostsTable.addressAnswers(v6.get(name), ttl));
        }
        return new NameTable(hashes, entries);
    }

    HostsTable.NameEntry find(DirectBuffer b, int off, int len) {
        int hash = Names.hashLowerCase(b, off, len);
        int i = hash & mask;
        HostsTable.NameEntry e;
        while ((e = entries[i]) != null) {
            if (hashes[i] == hash && e.length == len && Names.equalsIgnoreCase(b, off, e.wire, 0, len)) {
                return e;
            }
            i = (i + 1) & mask;
        }
        return null;
    }

    /** Lower-case uncompressed wire form of a presentation name (load time only). */
    static byte[] wire(String fqdn) {
        UnsafeBuffer b = new UnsafeBuffer(new byte[Names.MAX_NAME_LENGTH + 1]);
        int n = Names.fromString(fqdn, b, 0);
        if (n < 0) {
            throw new IllegalArgumentException("bad name " + fqdn);
        }
        Names.toLowerCase(b, 0, n);
        byte[] out = new byte[n];
        b.getBytes(0, out);
        return out;
    }
}
