package io.nodedns.plugin.cache;

import io.nodedns.wire.Names;
import java.util.List;
import org.agrona.DirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;

/** A zone list in wire form, so "is this qname in one of the zones" needs no String (hot path). */
final class CacheZones {
    private final UnsafeBuffer wire;
    private final int[] offset;
    private final int[] length;
    private final boolean root;

    CacheZones(List<String> zones) {
        this.wire = new UnsafeBuffer(new byte[Math.max(1, zones.size() * Names.MAX_NAME_LENGTH)]);
        this.offset = new int[zones.size()];
        this.length = new int[zones.size()];
        int used = 0;
        boolean hasRoot = false;
        for (int i = 0; i < zones.size(); i++) {
            int len = Math.max(0, Names.fromString(zones.get(i), wire, used));
            offset[i] = used;
            length[i] = len;
            used += len;
            hasRoot |= len == 1;
        }
        this.root = hasRoot;
    }

    boolean isEmpty() {
        return offset.length == 0;
    }

    /** True if the uncompressed name at {@code off} equals or lies below one of the zones. */
    boolean contains(DirectBuffer b, int off, int len) {
        if (root || offset.length == 0) {
            return root;
        }
        int end = off + len;
        for (int p = off; p < end; ) {
            int suffix = end - p;
            for (int i = 0; i < offset.length; i++) {
                if (length[i] == suffix && Names.equalsIgnoreCase(wire, offset[i], b, p, suffix)) {
                    return true;
                }
            }
            int label = b.getByte(p) & 0xFF;
            if (label == 0 || label > Names.MAX_LABEL_LENGTH) {
                return false;
            }
            p += label + 1;
        }
        return false;
    }
}
