package io.nodedns.plugin.hosts;

import io.nodedns.wire.Names;
import java.util.List;
import org.agrona.DirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;

/** A list of zones in lower-case wire form, matched against a query name in place (no strings, no allocation). */
final class WireZones {
    private final UnsafeBuffer[] zones;
    private final int[] lengths;

    WireZones(List<String> fqdns) {
        zones = new UnsafeBuffer[fqdns.size()];
        lengths = new int[fqdns.size()];
        for (int i = 0; i < zones.length; i++) {
            byte[] wire = wire(fqdns.get(i));
            zones[i] = new UnsafeBuffer(wire);
            lengths[i] = wire.length;
        }
    }

    /** Lower-case uncompressed wire form of a presentation name (setup time only). */
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

    boolean isEmpty() {
        return zones.length == 0;
    }

    /** True if the uncompressed name at {@code off} equals one of the zones or lies below it. */
    boolean contains(DirectBuffer b, int off, int len) {
        for (int z = 0; z < zones.length; z++) {
            int zoneLength = lengths[z];
            if (zoneLength == 1) {
                return true; // the root holds every name
            }
            int start = off + len - zoneLength;
            if (start < off) {
                continue;
            }
            int p = off;
            while (p < start) {
                int l = b.getByte(p) & 0xFF;
                if (l == 0 || l > Names.MAX_LABEL_LENGTH) {
                    break;
                }
                p += l + 1;
            }
            if (p == start && Names.equalsIgnoreCase(b, start, zones[z], 0, zoneLength)) {
                return true;
            }
        }
        return false;
    }
}
