package io.nodedns.server;

import java.util.Arrays;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.LockSupport;

/**
 * The exchanges of {@link SelfLookup}s, process-wide: a free list that grows with use, each
 * exchange counted in the {@link MemoryBudget} the UDP loops share before it is made, and trimmed
 * back when a peak has passed (checked as lookups come and go, and by a {@link Periodic} that runs
 * only while the pool holds exchanges, so a flood's peak is given back even if no lookup follows it,
 * and a replaced configuration's listener is not kept reachable by an idle exchange). How many
 * are in use at once is bounded by {@link SelfLookupGate}: at most {@link SelfLookup#MAX_DEPTH}
 * nested ones per query answered off the loops, and in practice one. Any thread; a short lock
 * around a few array operations, nothing allocated once the exchanges exist.
 */
final class SelfLookupPool {
    /** Pooled exchanges that went unused for this long go back to the budget (as the loops' do). */
    private static final long TRIM_NANOS = 60_000_000_000L;
    private static final SelfLookupPool SHARED = new SelfLookupPool(MemoryBudget.exchanges(), TRIM_NANOS);

    private final MemoryBudget budget;
    private final long trimNanos;
    private Lookup[] free = new Lookup[8];
    private int pooled;
    private int created;
    /** Fewest exchanges pooled since the last trim: what the last window never needed. */
    private int minPooled;
    private long nextTrim;
    /** Lookups that found no exchange: the budget the loops share was spent. */
    private final LongAdder refused = new LongAdder();
    /** Trims while any exchange exists; null when none does. */
    private Thread trimmer;

    SelfLookupPool(MemoryBudget budget, long trimNanos) {
        this.budget = budget;
        this.trimNanos = trimNanos;
        this.nextTrim = System.nanoTime() + trimNanos;
    }

    static SelfLookupPool shared() {
        return SHARED;
    }

    /** A pooled lookup, or a new one if the budget allows it, or null: the lookup fails. */
    synchronized Lookup acquire() {
        trimIfDue();
        if (pooled > 0) {
            Lookup l = free[--pooled];
            free[pooled] = null;
            minPooled = Math.min(minPooled, pooled);
            return l;
        }
        minPooled = 0;
        if (!budget.tryTake(1)) {
            refused.increment();
            return null;
        }
        Lookup l;
        try {
            l = new Lookup();
        } catch (OutOfMemoryError e) { // direct memory is shared with what the budget does not count
            budget.give(1);
            refused.increment();
            return null;
        }
        created++;
        if (created > free.length) {
            free = Arrays.copyOf(free, free.length * 2);
        }
        if (trimmer == null) {
            trimmer = Periodic.start("nodedns-self-lookup-trim", java.time.Duration.ofNanos(trimNanos / 2),
                    this::trimTick);
        }
        return l;
    }

    /** The trimmer's run: trims when due, and ends once no exchange is left. */
    private synchronized void trimTick() {
        trimIfDue();
        if (created == 0 && trimmer == Thread.currentThread()) {
            trimmer = null;
            Thread.currentThread().interrupt(); // Periodic ends its loop
        }
    }

    /** Takes a finished lookup back; one whose buffers grew for a large message goes to the GC. */
    synchronized void release(Lookup l) {
        l.exchange.detach();
        if (l.exchange.grownPast(UdpLoop.EXCHANGE_CAPACITY)) {
            drop();
        } else {
            free[pooled++] = l;
        }
        trimIfDue();
    }

    /** A lookup whose query was given up while it may still complete: never reused. */
    synchronized void abandon(Lookup l) {
        drop();
    }

    private void drop() {
        created--;
        budget.give(1);
    }

    /** Exchanges that stayed pooled a whole window (a burst's peak) are dropped and their budget given back. */
    private void trimIfDue() {
        long now = System.nanoTime();
        if (now - nextTrim < 0) {
            return;
        }
        nextTrim = now + trimNanos;
        for (int i = 0; i < minPooled; i++) {
            free[--pooled] = null;
            drop();
        }
        minPooled = pooled;
    }

    /** Lookups that failed for want of an exchange. */
    long refused() {
        return refused.sum();
    }

    /** Exchanges made and not dropped: in use and pooled. */
    synchronized int created() {
        return created;
    }

    /**
     * One nested query's exchange and the signal its completion gives the thread that waits for it
     * (any thread may complete it: the first completion wins, {@link Exchange#complete}).
     */
    static final class Lookup implements Responder {
        final Exchange exchange = new Exchange(UdpLoop.EXCHANGE_CAPACITY);
        private volatile Thread waiter;
        private volatile boolean done;

        /** Before the query is served: the calling thread will wait for it. */
        void start() {
            done = false;
            waiter = Thread.currentThread();
        }

        @Override
        public void respond(Exchange ex) {
            done = true;
            Thread w = waiter;
            if (w != Thread.currentThread()) { // completed while served on the waiter's own thread: nothing to wake
                LockSupport.unpark(w);
            }
        }

        /** True once completed; false at {@code deadlineNanos} or on interrupt (the flag is kept). */
        boolean await(long deadlineNanos) {
            while (!done) {
                long left = deadlineNanos - System.nanoTime();
                if (left <= 0 || Thread.currentThread().isInterrupted()) {
                    return false;
                }
                LockSupport.parkNanos(this, left);
            }
            return true;
        }
    }
}
