package io.nodedns.plugin.forward;

import io.nodedns.wire.Names;
import org.agrona.DirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;

/** A zone in lower-case wire form, matched against a query name in place (no strings, no allocation). */
final class WireZone {
    private final String text;
    private final UnsafeBuffer wire;
    private final int length;

    private WireZone(String text, UnsafeBuffer wire, int length) {
        this.text = text;
        this.wire = wire;
        this.length = length;
    }

    static WireZone of(String fqdn) {
        UnsafeBuffer b = new UnsafeBuffer(new byte[Names.MAX_NAME_LENGTH + 1]);
        int n = Names.fromString(fqdn, b, 0);
        if (n < 0) {
            throw new IllegalArgumentException("bad zone " + fqdn);
        }
        Names.toLowerCase(b, 0, n);
        return new WireZone(fqdn, b, n);
    }

    String text() {
        return text;
    }

    /** True if the uncompressed name at {@code off} equals this zone or lies below it. */
    boolean contains(DirectBuffer b, int off, int len) {
        if (length == 1) {
            return true; // the root holds every name
        }
        if (len < length) {
            return false;
        }
        int start = off + len - length;
        int p = off;
        while (p < start) {
            int l = b.getByte(p) & 0xFF;
            if (l == 0 || l > Names.MAX_LABEL_LENGTH) {
                return false;
            }
            p += l + 1;
        }
        return p == start && Names.equalsIgnoreCase(b, start, wire, 0, length);
    }

    boolean sameName(DirectBuffer b, int off, int len) {
        return len == length && Names.equalsIgnoreCase(b, off, wire, 0, length);
    }
}
