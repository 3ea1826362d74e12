package io.nodedns.plugin.forward;

import java.util.Arrays;

/**
 * The queries one {@link UdpForwarder} has parked on its loop: {@link Pending} slots made on
 * demand (at most 65535, reused, never freed), the active ones in a dense array for the ticker's
 * sweep, and the query IDs of the UDP attempts awaiting a reply. Loop thread only; nothing is
 * allocated once the slots a load needs exist.
 */
final class PendingTable {
    private static final int MAX_SLOTS = 65535;

    private final UdpForwarder owner;
    /** Query ID to 1-based slot number of the UDP attempt waiting under it. */
    private final IdTable ids = new IdTable();
    private final RandomBytes random;
    private Pending[] slots = new Pending[64];
    private int created;
    private Pending[] free = new Pending[64];
    private int freeCount;
    private Pending[] active = new Pending[64];
    private int activeCount;

    PendingTable(UdpForwarder owner, RandomBytes random) {
        this.owner = owner;
        this.random = random;
    }

    /** A cleared slot, now active; null when 65535 queries are parked already. */
    Pending acquire() {
        Pending p;
        if (freeCount > 0) {
            p = free[--freeCount];
            free[freeCount] = null;
        } else if (created < MAX_SLOTS) {
            if (created == slots.length) {
                slots = Arrays.copyOf(slots, Math.min(MAX_SLOTS, created * 2));
                free = Arrays.copyOf(free, slots.length);
                ids.ensureFor(slots.length);
            }
            p = new Pending(owner, created + 1);
            slots[created++] = p;
        } else {
            return null;
        }
        if (activeCount == active.length) {
            active = Arrays.copyOf(active, Math.min(MAX_SLOTS, activeCount * 2));
        }
        p.activeIndex = activeCount;
        active[activeCount++] = p;
        return p;
    }

    /** Gives a slot back (its ID too, if an attempt was still awaited). */
    void release(Pending p) {
        if (p.waiting) {
            ids.remove(p.id);
        }
        int i = p.activeIndex;
        Pending last = active[--activeCount];
        active[i] = last;
        last.activeIndex = i;
        active[activeCount] = null;
        p.clear();
        free[freeCount++] = p;
    }

    /** Queries parked now; {@link #active} 0 to this, which a release inside a sweep reorders (sweep from the end). */
    int size() {
        return activeCount;
    }

    Pending active(int i) {
        return active[i];
    }

    /** A random ID (RFC 5452) no UDP attempt here is awaiting. */
    int freeId() {
        int id = random.next16();
        for (int i = 0; i < 16 && ids.get(id) != 0; i++) {
            id = random.next16();
        }
        while (ids.get(id) != 0) { // at most 65535 in use, so a free one exists
            id = (id + 1) & 0xFFFF;
        }
        return id;
    }

    /** The slot's UDP attempt now awaits a reply under {@code id}. */
    void await(Pending p, int id) {
        p.id = id;
        p.waiting = true;
        ids.put(id, p.number);
    }

    /** The slot's UDP attempt is over (replied, timed out, refused): its ID is free again. */
    void stopWaiting(Pending p) {
        ids.remove(p.id);
        p.waiting = false;
    }

    /** The slot whose UDP attempt awaits a reply under {@code id}, or null. */
    Pending awaiting(int id) {
        int number = ids.get(id);
        Pending p = number == 0 ? null : slots[number - 1];
        return p != null && p.waiting ? p : null;
    }
}
