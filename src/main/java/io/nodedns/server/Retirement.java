package io.nodedns.server;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Set;

/**
 * Stops what a reload replaced without losing a query (docs/architecture.md, Lifecycles). A
 * replaced listener's UDP sockets leave their SO_REUSEPORT group at once
 * ({@link Listener#handOver}), so the kernel hands new datagrams only to the new sockets, bound by
 * then; after {@link #HANDOVER_GRACE} the old loops serve what their sockets queued, stop reading,
 * finish their queries in flight and close. ListenerReplaceReloadTest (32 clients, 10 multisocket
 * 2/3 reloads): 18-23 queries of ~13,000 lost when the old sockets only stopped reading and closed,
 * none now. A shutdown stops its listeners the same way, so an HA peer in the group takes over.
 *
 * <p>A retired listener's TCP or DoT server (its address changed: the new listener bound a socket
 * of its own) is handed at the swap to the new listener serving its address
 * ({@link #handStreamsOver}): it accepts for {@link #HANDOVER_GRACE} more (what the kernel queued
 * on it), then stops, and its open connections go on; those to an address no longer served close
 * once their queries are answered, within {@link #DRAIN} (CoreDNS's graceTimeout, 5 s).
 * TcpAddressChangeReloadTest (16 clients, 10 reloads between 127.0.0.1 and the wildcard): 92 of
 * 2,635 queries lost when the old socket closed at the swap and its connections with the old
 * listener, none now.
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
    /** What a failed {@link SocketStreamServer#retire} logs: the retirement goes on without it. */
    private static final LoopErrors RETIRE_ERRORS = new LoopErrors("retirement of a tcp or dot server");

    private Retirement() {}

    /** Once the new listeners serve (or at shutdown): old UDP sockets leave their groups, DoH stops accepting. */
    static void handOver(List<Listener> retired) {
        retired.forEach(Listener::handOver);
    }

    /**
     * At the swap, before {@link #handOver}: the TCP and DoT servers of the {@code retired}
     * listeners, and those of earlier reloads that still serve one of them, serve from now on for
     * the listener of {@code serving} that serves their address, where one does (none at shutdown);
     * those of the retired listeners join {@code draining} until they close. Returns the servers
     * for {@link #finish} to retire.
     */
    static List<SocketStreamServer<?>> handStreamsOver(List<Listener> retired, Collection<Listener> serving,
            Set<SocketStreamServer<?>> draining) {
        List<SocketStreamServer<?>> streams = new ArrayList<>();
        for (Listener listener : retired) {
            SocketStreamServer<?> s = listener.detachSocketStream();
            if (s != null) {
                s.draining(draining);
            }
        }
        for (SocketStreamServer<?> s : draining) {
            if (retired.contains(s.listener)) {
                Listener next = successor(s.boundTo, serving);
                if (next != null) {
                    s.servesFor(next);
                }
                streams.add(s);
            }
        }
        return streams;
    }

    /**
     * The listener that serves the connections made to {@code bound}: of its scheme and port, on
     * the wildcard or its address; for a wildcard, else one on a single address (its connections
     * to other addresses then close once idle).
     */
    private static Listener successor(ListenAddress bound, Collection<Listener> serving) {
        Listener single = null;
        for (Listener l : serving) {
            ListenAddress a = l.address();
            if (!a.scheme().equals(bound.scheme()) || a.port() != bound.port()) {
                continue;
            }
            if (a.host().isEmpty() || a.host().equals(bound.host())) {
                return l;
            }
            if (bound.host().isEmpty() && single == null) {
                single = l;
            }
        }
        return single;
    }

    /**
     * After {@link #handOver}, on a thread of its own: drains them, stops the replaced plugins their
     * last queries ran through, closes them, then gives the heap back.
     */
    static void closeLater(List<Listener> retired, List<SocketStreamServer<?>> streams, List<Lifecycle> replaced,
            HeapRelease heap) {
        Thread.ofVirtual().name("nodedns-retire").start(() -> {
            finish(retired, streams, false);
            replaced.forEach(Lifecycle::stop);
            close(retired, streams);
            heap.now("reload", "retired listeners");
        });
    }

    /** After {@link #finish}: closes the listeners, and what is left of the servers that still serve one of them. */
    static void close(List<Listener> retired, List<SocketStreamServer<?>> streams) {
        retired.forEach(Listener::close);
        for (SocketStreamServer<?> s : streams) {
            if (retired.contains(s.listener)) {
                s.close();
            }
        }
    }

    /**
     * After {@link #handOver}: lets the sockets read (and {@code streams} accept) as usual for
     * {@link #HANDOVER_GRACE}, then serve what they hold and stop reading, and waits for their
     * queries in flight and for the connections of the servers that still serve these listeners.
     * At {@code shutdown} no listener takes new connections over: {@code streams} stop accepting at
     * once, and DoH waits only for requests being served.
     */
    static void finish(List<Listener> listeners, List<SocketStreamServer<?>> streams, boolean shutdown) {
        long graceEnd = System.nanoTime() + HANDOVER_GRACE.toNanos();
        if (!shutdown) {
            Server.sleep(HANDOVER_GRACE);
        }
        for (SocketStreamServer<?> s : streams) {
            try {
                s.retire(listeners);
            } catch (RuntimeException | Error e) {
                // the rest is retired, and the plugins stopped and the listeners closed, whatever failed
                RETIRE_ERRORS.caught(e);
            }
        }
        long left = graceEnd - System.nanoTime();
        if (left > 0) {
            Server.sleep(Duration.ofNanos(left));
        }
        long until = System.nanoTime() + DRAIN_READ.toNanos();
        listeners.forEach(l -> l.stopReadingWhenEmpty(until));
        drain(listeners, streams, shutdown);
    }

    /**
     * Waits (at most {@link #DRAIN}) until no loop of these listeners reads or has a query in
     * flight, and no server serving one of them has a connection open.
     */
    private static void drain(List<Listener> listeners, List<SocketStreamServer<?>> streams, boolean shutdown) {
        long deadline = System.nanoTime() + DRAIN.toNanos();
        while (System.nanoTime() < deadline) {
            int busy = 0;
            for (Listener l : listeners) {
                for (UdpLoop loop : l.loops()) {
                    busy += loop.inFlight() + (loop.retirement().reading() ? 1 : 0); // still serving its queue
                }
            }
            for (SocketStreamServer<?> s : streams) {
                busy += listeners.contains(s.listener) ? s.openConnections() : 0;
            }
            for (Listener l : listeners) {
                busy += l.drainingConnections(shutdown); // DoH's, which close after their next reply (TCP and DoT are in streams)
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
