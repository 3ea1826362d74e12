package io.nodedns.server;

/**
 * One loop's exchanges: a free list that grows with use, within the loop's share of the
 * {@link MemoryBudget} (at least {@link #FLOOR}, reserved at start), trimmed back when a peak has
 * passed. Loop thread only; acquire and release allocate nothing once the exchanges exist.
 */
final class ExchangePool {
    /**
     * Exchanges a loop may always hold, whatever the shared budget says: two receive batches, so
     * a loop whose neighbours took the whole budget still answers what it can answer at once.
     */
    static final int FLOOR = 2 * NativeListenIo.BATCH;
    /** Exchanges kept free for queries answered at once (cache hits) when parking another would take them. */
    static final int RESERVE = NativeListenIo.BATCH;
    /** Pool size above the floor that went unused for this long goes back to the budget. */
    private static final long TRIM_NANOS = 60_000_000_000L;
    private static final int MAX_EXCHANGES = 16384;

    private final LoopErrors errors;
    /** Free exchanges; grows with the pool (never past the exchanges created), so release never allocates. */
    private Exchange[] pool = new Exchange[FLOOR];
    private int pooled;
    private int created;
    /** Exchanges this loop holds budget for: at least FLOOR, at most MAX_EXCHANGES. */
    private int reserved;
    /** Fewest exchanges pooled since the last trim: what the last window never needed. */
    private int minPooled;
    private long nextTrim = System.nanoTime() + TRIM_NANOS;

    /** Takes the floor from the budget; {@link #close} gives back all this pool holds. */
    ExchangePool(LoopErrors errors) {
        this.errors = errors;
        MemoryBudget.exchanges().take(FLOOR);
        this.reserved = FLOOR;
    }

    /**
     * A pooled exchange, or a new one if the loop's share of the {@link MemoryBudget} allows it, or
     * null: the caller sheds the query. A failed allocation sheds too (direct memory is shared with
     * what the budget does not count), it never ends the loop.
     */
    Exchange acquire() {
        if (pooled > 0) {
            Exchange ex = pool[--pooled];
            pool[pooled] = null;
            if (pooled < minPooled) {
                minPooled = pooled;
            }
            return ex;
        }
        minPooled = 0;
        if (created == reserved) {
            if (reserved == MAX_EXCHANGES || !MemoryBudget.exchanges().tryTake(1)) {
                return null;
            }
            reserved++;
        }
        Exchange ex;
        try {
            ex = new Exchange(UdpLoop.EXCHANGE_CAPACITY);
        } catch (OutOfMemoryError e) {
            errors.caught(e);
            return null;
        }
        created++;
        if (created > pool.length) {
            pool = java.util.Arrays.copyOf(pool, Math.min(MAX_EXCHANGES, pool.length * 2));
        }
        return ex;
    }

    /** Takes an exchange back (detached from its query). */
    void release(Exchange ex) {
        ex.detach();
        if (ex.grownPast(UdpLoop.EXCHANGE_CAPACITY)) {
            created--; // a large reply grew its buffers: let the GC take them, the budget counts 4 KiB ones
            return;
        }
        pool[pooled++] = ex;
    }

    /**
     * Every {@link #TRIM_NANOS}: exchanges above the floor that stayed pooled the whole window
     * (a flood's peak) are dropped and their budget given back, so other loops can use it and the
     * direct memory returns at the next GC. A steady load never trims what it uses.
     */
    void trim(long now) {
        nextTrim = now + TRIM_NANOS;
        int spare = Math.min(minPooled, created - FLOOR);
        for (int i = 0; i < spare; i++) {
            pool[--pooled] = null;
            created--;
        }
        int keep = Math.max(FLOOR, created);
        if (reserved > keep) {
            MemoryBudget.exchanges().give(reserved - keep);
            reserved = keep;
        }
        minPooled = pooled;
    }

    /**
     * True if a query may wait here for something (an upstream) and still leave {@link #RESERVE}
     * exchanges, pooled or reserved from the budget, for queries answered at once: a flood of names
     * whose upstream never answers cannot take the exchanges that cache hits need. Loop thread.
     */
    boolean mayPark() {
        if (pooled + (reserved - created) >= RESERVE) {
            return true;
        }
        // take the reserve from the budget now, so no other loop can take it before our hits need it
        if (reserved + RESERVE <= MAX_EXCHANGES && MemoryBudget.exchanges().tryTake(RESERVE)) {
            reserved += RESERVE;
            return true;
        }
        return false;
    }

    /** Exchanges handed out and not yet returned: queries in flight on this loop. */
    int inFlight() {
        return created - pooled;
    }

    /** True when the trim window has passed. */
    boolean trimDue(long now) {
        return now - nextTrim >= 0;
    }

    /** The pool goes with the loop: its budget is given back. */
    void close() {
        MemoryBudget.exchanges().give(reserved);
    }
}
