package io.nodedns.data;

import io.nodedns.wire.Names;
import org.agrona.DirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;

/**
 * Open-addressing index from names to their position in a {@link ChunkedBytes}, where each name
 * is stored as a length byte followed by its wire bytes. One int per slot and no per-name object:
 * the key is compared in the store itself, ignoring ASCII case, so a probe with the query's bytes
 * allocates nothing. Grows while loading; {@link #trim} then sizes it to what it holds.
 */
public final class NameIndex {
    private final ChunkedBytes store;
    private final DataBudget budget;
    /** Stored positions stay below this, so a slot keeps 4 bits of the name's hash beside it. */
    public static final int MAX_BYTES = (1 << 28) - 1;
    private static final int TAG_SHIFT = 28;
    private static final int POSITION_MASK = (1 << TAG_SHIFT) - 1;

    private int[] slots; // hash tag << 28 | (position + 1); 0 = empty
    private int mask;
    private int count;

    public NameIndex(ChunkedBytes store, DataBudget budget) {
        this.store = store;
        this.budget = budget;
        this.slots = new int[16];
        this.mask = 15;
        budget.charge(16 * 4);
    }

    public int size() {
        return count;
    }

    /** The position of the stored name equal to {@code b[off, off + length)} ignoring ASCII case, or -1. */
    public int find(DirectBuffer b, int off, int length) {
        return find(b, off, length, Names.hashLowerCase(b, off, length));
    }

    public int find(DirectBuffer b, int off, int length, int hash) {
        int[] s = slots;
        int m = mask;
        int tag = hash >>> TAG_SHIFT;
        for (int i = hash & m; s[i] != 0; i = (i + 1) & m) {
            if (s[i] >>> TAG_SHIFT != tag) {
                continue; // most probes end here without reading the stored name
            }
            int p = (s[i] & POSITION_MASK) - 1;
            UnsafeBuffer c = store.chunk(p);
            int o = ChunkedBytes.offset(p);
            if ((c.getByte(o) & 0xFF) == length && Names.equalsIgnoreCase(b, off, c, o + 1, length)) {
                return p;
            }
        }
        return -1;
    }

    /** Adds the name stored at {@code position} (below {@link #MAX_BYTES}, not present yet) whose hash is {@code hash}. */
    public void add(int position, int hash) {
        if (position >= MAX_BYTES) {
            budget.exceeded();
        }
        if ((count + 1) * 4L > slots.length * 3L) {
            rehash(slots.length * 2);
        }
        insert(slots, mask, position, hash);
        count++;
    }

    /**
     * Stores the name {@code b[off, off + length)} (not present yet) followed by an int {@code value}
     * and adds it: a name-to-int table (load time), read with {@link #value}.
     */
    public void addWithValue(DirectBuffer b, int off, int length, int value) {
        int at = store.reserve(1 + length + 4);
        store.putByte(at, length);
        store.putBytes(at + 1, b, off, length);
        store.putInt(at + 1 + length, value);
        add(at, Names.hashLowerCase(b, off, length));
    }

    /** The value stored with {@link #addWithValue} for the name equal to {@code b[off, off + length)} ignoring ASCII case, or -1. */
    public int value(DirectBuffer b, int off, int length) {
        int at = find(b, off, length);
        return at < 0 ? -1 : store.getInt(at + 1 + length);
    }

    /** Shrinks the table to {@link #capacityFor} what it holds. */
    public void trim() {
        int capacity = capacityFor(count);
        if (capacity < slots.length) {
            rehash(capacity);
        }
    }

    /**
     * The one sizing rule of open-addressing tables here: the smallest power of two, at least 16,
     * that keeps {@code count} entries at a load of at most 3/4 (a table grows past that load).
     */
    public static int capacityFor(int count) {
        int capacity = 16;
        while (capacity * 3L < count * 4L) {
            capacity <<= 1;
        }
        return capacity;
    }

    /** Calls {@code action} with each stored position (load time). */
    public void forEach(java.util.function.IntConsumer action) {
        for (int v : slots) {
            if (v != 0) {
                action.accept((v & POSITION_MASK) - 1);
            }
        }
    }

    public long retainedBytes() {
        return 16L + 4L * slots.length;
    }

    private void rehash(int capacity) {
        budget.charge(4L * capacity);
        int[] next = new int[capacity];
        int m = capacity - 1;
        for (int v : slots) {
            if (v != 0) {
                int p = (v & POSITION_MASK) - 1;
                insert(next, m, p, Names.hashLowerCase(store.chunk(p), ChunkedBytes.offset(p) + 1, store.getByte(p)));
            }
        }
        budget.credit(4L * slots.length);
        slots = next;
        mask = m;
    }

    private static void insert(int[] s, int m, int position, int hash) {
        int i = hash & m;
        while (s[i] != 0) {
            i = (i + 1) & m;
        }
        s[i] = (hash >>> TAG_SHIFT << TAG_SHIFT) | (position + 1);
    }
}
