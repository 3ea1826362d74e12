package io.nodedns.plugin.forward;

/**
 * Query ID to pending-slot number for one loop's UDP attempts: an open-addressing table (linear
 * probing, backward-shift deletion) sized to the slots the loop has made, not to the 65,536
 * possible IDs. A direct {@code char[65536]} cost 128 KiB of heap per forward block per loop
 * whether or not a query was ever in flight (docs/operations.md "What a UDP loop and a listener
 * cost"); this starts at 1 KiB. IDs are random (RFC 5452), so their low bits index it evenly.
 * Touched only by its loop's thread; get, put and remove allocate nothing.
 */
final class IdTable {
    static final int MIN_SIZE = 256;
    private static final int MAX_SIZE = 1 << 16;

    /** (id << 16) | number per entry; 0 = empty (numbers start at 1). */
    private int[] entries = new int[MIN_SIZE];
    private int mask = MIN_SIZE - 1;

    /** The slot number waiting under {@code id}, or 0. */
    int get(int id) {
        int[] t = entries;
        for (int i = id & mask;; i = (i + 1) & mask) {
            int e = t[i];
            if (e == 0) {
                return 0;
            }
            if (e >>> 16 == id) {
                return e & 0xFFFF;
            }
        }
    }

    /** Records {@code number} (1..65535) under {@code id}, which must not be in the table. */
    void put(int id, int number) {
        int[] t = entries;
        int i = id & mask;
        while (t[i] != 0) {
            i = (i + 1) & mask;
        }
        t[i] = id << 16 | number;
    }

    /** Removes {@code id} if present. */
    void remove(int id) {
        int[] t = entries;
        int i = id & mask;
        while (true) {
            int e = t[i];
            if (e == 0) {
                return;
            }
            if (e >>> 16 == id) {
                break;
            }
            i = (i + 1) & mask;
        }
        // Backward shift: move later entries of the probe run into the hole, so get() needs no tombstones.
        for (int j = (i + 1) & mask;; j = (j + 1) & mask) {
            int e = t[j];
            if (e == 0) {
                break;
            }
            int home = (e >>> 16) & mask;
            boolean movable = i <= j ? home <= i || home > j : home <= i && home > j;
            if (movable) {
                t[i] = e;
                i = j;
            }
        }
        t[i] = 0;
    }

    /**
     * Keeps the load at most one half for {@code slots} entries (the loop made that many slots, so
     * at most that many IDs wait at once); grows only, when the loop makes more slots.
     */
    void ensureFor(int slots) {
        int size = entries.length;
        while (size < MAX_SIZE && size < 2 * slots) {
            size <<= 1;
        }
        if (size == entries.length) {
            return;
        }
        int[] old = entries;
        entries = new int[size];
        mask = size - 1;
        for (int e : old) {
            if (e != 0) {
                put(e >>> 16, e & 0xFFFF);
            }
        }
    }

    /** Entries the table has room for (tests and the memory figures). */
    int size() {
        return entries.length;
    }
}
