package io.nodedns.wire;

import java.util.List;
import org.agrona.DirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;

/**
 * A plugin's zones in lower-case wire form, packed in one buffer sized to what they hold, and
 * matched against a query's uncompressed QNAME in place: no string, no allocation (CoreDNS's
 * plugin.Zones.Matches). Built at setup time; immutable, so any thread may read it.
 */
public final class ZoneSet {
    private final UnsafeBuffer wire;
    private final int[] offset;
    private final int[] length;
    private final boolean root;

    private ZoneSet(final UnsafeBuffer wire, final int[] offset, final int[] length, final boolean root) {
        this.wire = wire;
        this.offset = offset;
        this.length = length;
        this.root = root;
    }

    /** The zones, in this order (indexes are what {@link #longest} returns); a bad name is rejected. */
    public static ZoneSet of(final List<String> fqdns) {
        final UnsafeBuffer scratch = new UnsafeBuffer(new byte[Math.max(1, fqdns.size() * Names.MAX_NAME_LENGTH)]);
        final int[] offset = new int[fqdns.size()];
        final int[] length = new int[fqdns.size()];
        int used = 0;
        boolean root = false;
        for (int i = 0; i < fqdns.size(); i++) {
            final int n = Names.fromString(fqdns.get(i), scratch, used);
            if (n <= 0) {
                throw new IllegalArgumentException("bad zone " + fqdns.get(i));
            }
            offset[i] = used;
            length[i] = n;
            used += n;
            root |= n == 1;
        }
        Names.toLowerCase(scratch, 0, used);
        final byte[] packed = new byte[used];
        scratch.getBytes(0, packed);
        return new ZoneSet(new UnsafeBuffer(packed), offset, length, root);
    }

    public static ZoneSet of(final String fqdn) {
        return of(List.of(fqdn));
    }

    public int size() {
        return offset.length;
    }

    public boolean isEmpty() {
        return offset.length == 0;
    }

    /** Wire length of zone {@code i}, root label included. */
    public int length(final int i) {
        return length[i];
    }

    /** True if the name at {@code off} ({@code len} bytes, root included) equals a zone or lies below one. */
    public boolean contains(final DirectBuffer b, final int off, final int len) {
        return root || longest(b, off, len) >= 0;
    }

    /** True if a zone holds the question name of the query {@code q} wraps. */
    public boolean contains(final QueryView q) {
        return root || longest(q.buffer(), q.qnameOffset(), q.qnameLength()) >= 0;
    }

    /** {@link #longest(DirectBuffer, int, int)} for the question name of the query {@code q} wraps. */
    public int longest(final QueryView q) {
        return longest(q.buffer(), q.qnameOffset(), q.qnameLength());
    }

    /**
     * The index of the longest zone equal to or above the name at {@code off}, or -1; of equal zones,
     * the first. Suffixes are tried from the longest, on label boundaries only.
     */
    public int longest(final DirectBuffer b, final int off, final int len) {
        final int end = off + len;
        int p = off;
        while (p < end) {
            final int suffix = end - p;
            for (int i = 0; i < offset.length; i++) {
                if (length[i] == suffix && Names.equalsIgnoreCase(b, p, wire, offset[i], suffix)) {
                    return i;
                }
            }
            final int label = b.getByte(p) & 0xFF;
            if (label == 0 || label > Names.MAX_LABEL_LENGTH) {
                return -1;
            }
            p += 1 + label;
        }
        return -1;
    }

    /** True if the name at {@code off} equals zone {@code i} or lies below it. */
    public boolean contains(final int i, final DirectBuffer b, final int off, final int len) {
        final int zoneLength = length[i];
        final int start = off + len - zoneLength;
        if (start < off) {
            return false;
        }
        int p = off;
        while (p < start) {
            final int label = b.getByte(p) & 0xFF;
            if (label == 0 || label > Names.MAX_LABEL_LENGTH) {
                return false;
            }
            p += 1 + label;
        }
        return p == start && Names.equalsIgnoreCase(b, start, wire, offset[i], zoneLength);
    }

    /** True if the name at {@code off} is zone {@code i} itself. */
    public boolean isApex(final int i, final DirectBuffer b, final int off, final int len) {
        return len == length[i] && Names.equalsIgnoreCase(b, off, wire, offset[i], len);
    }
}
