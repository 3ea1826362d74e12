package io.nodedns.plugin.file;

import io.nodedns.wire.Names;
import org.agrona.DirectBuffer;

/** Open-addressing table from lower-cased wire names to entry indexes; lookups ignore ASCII case and allocate nothing. */
final class NameTable {
    private final int mask;
    private final int[] slots; // entry index + 1, 0 = empty
    private final int[] hashes;
    private final Entry[] entries;

    NameTable(Entry[] entries) {
        this.entries = entries;
        int capacity = Integer.highestOneBit(Math.max(4, entries.length * 2 + 1)) << 1;
        this.mask = capacity - 1;
        this.slots = new int[capacity];
        this.hashes = new int[capacity];
        for (int i = 0; i < entries.length; i++) {
            Entry e = entries[i];
            int h = Names.hashLowerCase(e.wire, 0, e.wireLength);
            int s = h & mask;
            while (slots[s] != 0) {
                s = (s + 1) & mask;
            }
            slots[s] = i + 1;
            hashes[s] = h;
        }
    }

    /** The index of the entry named by the uncompressed name at {@code [off, off + length)}, or -1. */
    int find(DirectBuffer b, int off, int length) {
        int h = Names.hashLowerCase(b, off, length);
        for (int s = h & mask; slots[s] != 0; s = (s + 1) & mask) {
            if (hashes[s] == h) {
                Entry e = entries[slots[s] - 1];
                if (e.wireLength == length && Names.equalsIgnoreCase(b, off, e.wire, 0, length)) {
                    return slots[s] - 1;
                }
            }
        }
        return -1;
    }
}
