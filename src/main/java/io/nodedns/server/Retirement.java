package io.nodedns.server;

import java.time.Duration;
import java.util.List;

/**
 * Stops what a reload replaced without losing a query (docs/architecture.md, Lifecycles). A
 * replaced listener's UDP sockets leave their SO_REUSEPORT group at once
 * ({@link Listener#handOver}), so the kernel hands new datagrams only to the new sockets, bound by
 * then; after {@link #HANDOVER_GRACE} the old loops serve what their sockets queued, stop reading,
 * finish their queries in flight and close. ListenerReplaceReloadTest (32 clients, 10 multisocket
 * 2/3 reloads): 18-23 queries of ~13,000 lost when the old sockets only stopped reading and closed,
 * none now. A shutdown stops its listeners the same way, so an HA peer in the group takes over.
 */
final class Retirement {
    /** The longest wait for queries in flight before closing. */
    private static final Duration DRAIN = Duration.ofSeconds(5);
    /**
     * How long a replaced socket that left its group still reads as usual: a datagram the kernel
     * matched to it just before is queued within the same softirq (microseconds); this leaves room
     * for a loaded machine.
     */
    private static final Duration HANDOVER_GRACE = Duration.ofMillis(50);
    /**
     * The longest a replaced socket then reads: a queue is served in milliseconds; a kernel before
     * 5.4 still hands a connected member its share, so its queue may never run dry.
     */
    private static final Duration DRAIN_READ = Duration.ofSeconds(1);

    private Retirement() {}

    /** Once the new listeners serve (or at shutdown): old UDP sockets leave their groups, TCP not taken over stops accepting. */
    static void handOver(List<Listener> retired) {
        retired.forEach(Listener::handOver);
    }

    /**
     * After {@link #handOver}, on a thread of its own: drains them, stops the replaced plugins their
     * last queries ran through, closes them, then gives the heap back.
     */
    static void closeLater(List<Listener> retired, List<Lifecycle> replaced, HeapRelease heap) {
        Thread.ofVirtual().name("nodedns-retire").start(() -> {
            finish(retired);
            replaced.forEach(Lifecycle::stop);
            retired.forEach(Listener::close);
            heap.now("reload", "retired listeners");
        });
    }

    /**
     * After {@link #handOver}: lets the sockets read as usual for {@link #HANDOVER_GRACE}, then
     * serve what they hold and stop reading, and waits for their queries in flight.
     */
    static void finish(List<Listener> listeners) {
        Server.sleep(HANDOVER_GRACE);
        long until = System.nanoTime() + DRAIN_READ.toNanos();
        listeners.forEach(l -> l.stopReadingWhenEmpty(until));
        drain(listeners);
    }

    /** Waits (at most {@link #DRAIN}) until no loop of these listeners reads or has a query in flight. */
    private static void drain(List<Listener> listeners) {
        long deadline = System.nanoTime() + DRAIN.toNanos();
        while (System.nanoTime() < deadline) {
            int busy = 0;
            for (Listener l : listeners) {
                for (UdpLoop loop : l.loops()) {
                    busy += loop.inFlight() + (loop.retirement().reading() ? 1 : 0); // still serving its queue
                }
            }
            if (busy == 0) {
                return;
            }
            try {
                Thread.sleep(10);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }
}
