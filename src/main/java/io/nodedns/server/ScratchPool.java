package io.nodedns.server;

import java.util.concurrent.atomic.AtomicReferenceArray;
import java.util.function.Supplier;

/**
 * Scratch objects (buffers, walkers, matchers) for code that may run on any thread: response hooks
 * run on whichever thread completes the exchange (a UDP loop, a TCP query's virtual thread, a
 * cache refresh), so per-thread copies (ThreadLocal) would be made again for every virtual thread.
 * A caller borrows one, uses it without blocking, and gives it back: two compare-and-sets on a
 * small lock-free array, nothing allocated once as many exist as threads use them at once. State
 * that belongs to one loop (a forwarder's sockets) is a {@link LoopLocal} instead.
 */
public final class ScratchPool<T> {
    private static final int SIZE = 64;

    private final AtomicReferenceArray<T> pool = new AtomicReferenceArray<>(SIZE);
    private final Supplier<T> create;

    public ScratchPool(Supplier<T> create) {
        this.create = create;
    }

    /** A free instance, or a new one when more threads than instances so far use the pool at once. */
    public T borrow() {
        for (int i = 0; i < SIZE; i++) {
            T t = pool.get(i);
            if (t != null && pool.compareAndSet(i, t, null)) {
                return t;
            }
        }
        return create.get(); // rare, and kept once given back
    }

    /** Returns an instance for the next borrower (dropped if the pool is full). */
    public void giveBack(T t) {
        for (int i = 0; i < SIZE; i++) {
            if (pool.get(i) == null && pool.compareAndSet(i, null, t)) {
                return;
            }
        }
    }
}
