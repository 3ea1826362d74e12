package io.nodedns.plugin.hosts;

import io.nodedns.data.ChunkedBytes;
import io.nodedns.data.DataBudget;
import io.nodedns.data.NameIndex;
import io.nodedns.wire.Names;
import io.nodedns.wire.Records;
import io.nodedns.wire.ReverseName;
import java.nio.ByteOrder;
import org.agrona.DirectBuffer;
import org.agrona.MutableDirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;

/**
 * One immutable snapshot of one hosts source (the file, or the inline lines), packed into a
 * {@link ChunkedBytes} instead of maps of strings and lists: about 60 bytes per
 * {@code address name} line with its PTR, where per-line objects took several hundred.
 *
 * <pre>
 * name at E:      [length 1][lower-case wire name][first IPv4 node 4][first IPv6 node 4]
 * address node:   [next 4][4 or 16 address bytes]
 * reverse at P:   [4 or 16][address][first name node 4]
 * name node:      [next 4][position E of the name]
 * </pre>
 * Chains keep file order; -1 ends them. Names are found through {@link NameIndex}es (wildcard
 * owners "*.parent." under their parent, so a query probes with its own parent) and addresses
 * through an int table hashed on the address. Lookups read the request in place and allocate
 * nothing; the table is swapped whole on reload, so a query never sees half a file.
 */
final class HostsTable {
    static final int NONE = -1;
    private static final ByteOrder BE = ByteOrder.BIG_ENDIAN;

    private final ChunkedBytes data;
    private final NameIndex names;
    private final NameIndex wildcards;
    private final int[] reverse; // position + 1 of reverse entries; 0 = empty
    private final int reverseMask;
    private final int entries;
    private final long footprint;

    private HostsTable(Builder b) {
        this.data = b.data;
        this.names = b.names;
        this.wildcards = b.wildcards;
        this.reverse = b.reverse;
        this.reverseMask = b.reverse.length - 1;
        this.entries = b.entries;
        this.footprint = b.budget.used();
    }

    static HostsTable empty() {
        return new Builder(DataBudget.forFile()).build();
    }

    /** CoreDNS's Map.Len: every address of every name (wildcards included) plus every reverse name. */
    int entries() {
        return entries;
    }

    /** The first address node of {@code v4 ? A : AAAA} at exactly this name, or {@link #NONE}. */
    int exact(DirectBuffer b, int off, int len, boolean v4) {
        int e = names.find(b, off, len);
        return e < 0 ? NONE : data.getInt(e + 1 + len + (v4 ? 0 : 4));
    }

    /** The same for the wildcard covering the name ("*." plus the name's parent). */
    int wildcard(DirectBuffer b, int off, int len, boolean v4) {
        int parent = Names.parentOffset(b, off, off + len);
        if (parent < 0) {
            return NONE;
        }
        int parentLength = off + len - parent;
        int e = wildcards.find(b, parent, parentLength);
        return e < 0 ? NONE : data.getInt(e + 1 + parentLength + (v4 ? 0 : 4));
    }

    /** The first name node answering PTR for a reverse name (in-addr.arpa or ip6.arpa), or {@link #NONE}. */
    int reverse(DirectBuffer b, int off, int len) {
        long high;
        long low;
        if (ReverseName.isV4(b, off, len)) {
            long v4 = ReverseName.v4(b, off, len);
            if (v4 < 0) {
                return NONE;
            }
            high = 0;
            low = 0xFFFF_0000_0000L | v4;
        } else if (ReverseName.isV6(b, off, len)) {
            high = ReverseName.v6Half(b, off, 16);
            low = ReverseName.v6Half(b, off, 0);
        } else {
            return NONE;
        }
        int p = findReverse(reverse, reverseMask, data, high, low);
        return p < 0 ? NONE : data.getInt(p + 1 + data.getByte(p));
    }

    /**
     * Writes the answer records of the chain from {@code node} (as {@link #exact}, {@link #wildcard}
     * or {@link #reverse} return) at {@code at}, owner = pointer to the question; stops before a
     * record that would take the message past {@code limit}. Returns the count in the high and the
     * end offset in the low 32 bits.
     */
    long write(int node, int type, int ttl, MutableDirectBuffer out, int at, int limit) {
        int count = 0;
        int p = at;
        for (int n = node; n != NONE; n = data.getInt(n)) {
            int rdLength;
            int from;
            if (type == Records.TYPE_PTR) {
                int e = data.getInt(n + 4);
                rdLength = data.getByte(e);
                from = e + 1;
            } else {
                rdLength = type == Records.TYPE_A ? 4 : 16;
                from = n + 4;
            }
            if (p + 12 + rdLength > limit) {
                break;
            }
            out.checkLimit(p + 12 + rdLength);
            out.putShort(p, (short) 0xC00C, BE);
            out.putShort(p + 2, (short) type, BE);
            out.putShort(p + 4, (short) 1, BE);
            out.putInt(p + 6, ttl, BE);
            out.putShort(p + 10, (short) rdLength, BE);
            data.copyTo(from, out, p + 12, rdLength);
            p += 12 + rdLength;
            count++;
        }
        return ((long) count << 32) | p;
    }

    static int addressHash(long high, long low) {
        long h = (high * 0x9E3779B97F4A7C15L) ^ low;
        h *= 0xC4CEB9FE1A85EC53L;
        return (int) (h ^ (h >>> 32));
    }

    /** The reverse entry of an address (IPv4 as ::ffff:a.b.c.d), or -1. */
    private static int findReverse(int[] slots, int mask, ChunkedBytes data, long high, long low) {
        boolean v4 = high == 0 && (low >>> 32) == 0xFFFF;
        for (int i = addressHash(high, low) & mask; slots[i] != 0; i = (i + 1) & mask) {
            int p = slots[i] - 1;
            UnsafeBuffer c = data.chunk(p);
            int o = ChunkedBytes.offset(p);
            int length = c.getByte(o);
            if (v4
                    ? length == 4 && (c.getInt(o + 1, BE) & 0xFFFF_FFFFL) == (low & 0xFFFF_FFFFL)
                    : length == 16 && c.getLong(o + 1, BE) == high && c.getLong(o + 9, BE) == low) {
                return p;
            }
        }
        return -1;
    }

    /** Fills a table one {@code address name} pair at a time (load time; one thread). */
    static final class Builder {
        private final DataBudget budget;
        private final ChunkedBytes data;
        private final NameIndex names;
        private final NameIndex wildcards;
        private int[] reverse = new int[16];
        private int reverseCount;
        private int entries;

        Builder(DataBudget budget) {
            this.budget = budget;
            this.data = new ChunkedBytes(budget, NameIndex.MAX_BYTES);
            this.names = new NameIndex(data, budget);
            this.wildcards = new NameIndex(data, budget);
            budget.charge(16 * 4);
        }

        /**
         * Adds {@code ip} (4 or 16 bytes) to the lower-case wire name {@code wire[0, length)}; a
         * wildcard ("*." owner) is stored under its parent and never reversed.
         */
        void add(byte[] ip, DirectBuffer wire, int length, boolean wildcard, boolean autoReverse) {
            int off = wildcard ? 2 : 0;
            int keyLength = length - off;
            NameIndex index = wildcard ? wildcards : names;
            int hash = Names.hashLowerCase(wire, off, keyLength);
            int e = index.find(wire, off, keyLength, hash);
            if (e < 0) {
                e = data.reserve(keyLength + 9);
                data.putByte(e, keyLength);
                data.putBytes(e + 1, wire, off, keyLength);
                data.putInt(e + 1 + keyLength, NONE);
                data.putInt(e + 5 + keyLength, NONE);
                index.add(e, hash);
            }
            int head = e + 1 + keyLength + (ip.length == 4 ? 0 : 4);
            int node = data.reserve(4 + ip.length);
            data.putInt(node, data.getInt(head));
            data.putBytes(node + 4, ip, 0, ip.length);
            data.putInt(head, node); // newest first; build() restores file order
            entries++;
            if (autoReverse && !wildcard) {
                int p = reverseEntry(ip);
                int nameNode = data.reserve(8);
                data.putInt(nameNode, data.getInt(p + 1 + ip.length));
                data.putInt(nameNode + 4, e);
                data.putInt(p + 1 + ip.length, nameNode);
                entries++;
            }
        }

        private int reverseEntry(byte[] ip) {
            long high = ip.length == 4 ? 0 : toLong(ip, 0);
            long low = ip.length == 4 ? 0xFFFF_0000_0000L | (toLong(ip, 0) >>> 32) : toLong(ip, 8);
            int p = findReverse(reverse, reverse.length - 1, data, high, low);
            if (p >= 0) {
                return p;
            }
            p = data.reserve(5 + ip.length);
            data.putByte(p, ip.length);
            data.putBytes(p + 1, ip, 0, ip.length);
            data.putInt(p + 1 + ip.length, NONE);
            if ((reverseCount + 1) * 4L > reverse.length * 3L) {
                reverse = rehash(reverse.length * 2);
            }
            insert(reverse, p, high, low);
            reverseCount++;
            return p;
        }

        private static long toLong(byte[] b, int off) {
            long v = 0;
            for (int i = 0; i < 8; i++) {
                v = (v << 8) | (off + i < b.length ? b[off + i] & 0xFF : 0);
            }
            return v;
        }

        private int[] rehash(int capacity) {
            budget.charge(4L * capacity);
            int[] next = new int[capacity];
            for (int v : reverse) {
                if (v != 0) {
                    int p = v - 1;
                    UnsafeBuffer c = data.chunk(p);
                    int o = ChunkedBytes.offset(p);
                    long high = c.getByte(o) == 4 ? 0 : c.getLong(o + 1, BE);
                    long low = c.getByte(o) == 4
                            ? 0xFFFF_0000_0000L | (c.getInt(o + 1, BE) & 0xFFFF_FFFFL)
                            : c.getLong(o + 9, BE);
                    insert(next, p, high, low);
                }
            }
            budget.credit(4L * reverse.length);
            return next;
        }

        private static void insert(int[] slots, int p, long high, long low) {
            int mask = slots.length - 1;
            int i = addressHash(high, low) & mask;
            while (slots[i] != 0) {
                i = (i + 1) & mask;
            }
            slots[i] = p + 1;
        }

        HostsTable build() {
            names.forEach(e -> {
                int length = data.getByte(e);
                reverseChain(e + 1 + length);
                reverseChain(e + 5 + length);
            });
            wildcards.forEach(e -> {
                int length = data.getByte(e);
                reverseChain(e + 1 + length);
                reverseChain(e + 5 + length);
            });
            for (int v : reverse) {
                if (v != 0) {
                    reverseChain(v - 1 + 1 + data.getByte(v - 1));
                }
            }
            int capacity = NameIndex.capacityFor(reverseCount);
            if (capacity < reverse.length) {
                reverse = rehash(capacity);
            }
            data.trim();
            names.trim();
            wildcards.trim();
            return new HostsTable(this);
        }

        /** Turns the chain whose head is stored at {@code headAt} around, into insertion order. */
        private void reverseChain(int headAt) {
            int previous = NONE;
            int n = data.getInt(headAt);
            while (n != NONE) {
                int next = data.getInt(n);
                data.putInt(n, previous);
                previous = n;
                n = next;
            }
            data.putInt(headAt, previous);
        }
    }

    /** Heap held by this table, as its budget counted it (chunks and index arrays). */
    long retainedBytes() {
        return footprint;
    }
}
