package io.nodedns.plugin.template;

import io.nodedns.wire.Names;
import java.util.List;
import org.agrona.DirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;

/**
 * Zones in wire form, matched against the query name in place: the longest zone that holds the
 * name, by index (CoreDNS's plugin.Zones.Matches), without building a string, so queries a
 * template does not cover pass it without allocating.
 */
final class TemplateZones {
    final List<String> names;
    private final UnsafeBuffer[] wire;

    TemplateZones(List<String> fqdns) {
        this.names = List.copyOf(fqdns);
        this.wire = new UnsafeBuffer[fqdns.size()];
        for (int i = 0; i < wire.length; i++) {
            UnsafeBuffer b = new UnsafeBuffer(new byte[Names.MAX_NAME_LENGTH + 1]);
            int n = Names.fromString(fqdns.get(i), b, 0);
            if (n < 0) {
                throw new IllegalArgumentException("bad zone " + fqdns.get(i));
            }
            byte[] exact = new byte[n];
            b.getBytes(0, exact);
            wire[i] = new UnsafeBuffer(exact);
        }
    }

    /** The index of the longest zone equal to or above the uncompressed name at {@code off}, or -1. */
    int longest(DirectBuffer b, int off, int len) {
        int best = -1;
        int bestLength = 0;
        for (int z = 0; z < wire.length; z++) {
            int zoneLength = wire[z].capacity();
            if (zoneLength <= bestLength || zoneLength > len) {
                continue;
            }
            int start = off + len - zoneLength;
            int p = off;
            while (p < start) {
                int l = b.getByte(p) & 0xFF;
                if (l == 0 || l > Names.MAX_LABEL_LENGTH) {
                    break;
                }
                p += l + 1;
            }
            if (p == start && Names.equalsIgnoreCase(b, start, wire[z], 0, zoneLength)) {
                best = z;
                bestLength = zoneLength;
            }
        }
        return best;
    }
}
