package io.nodedns.server;

import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Function;

/**
 * The bound on client queries answered off the transports' threads ({@link SelfLookup#offLoop}:
 * autopath's walks, out-of-zone CNAME targets, dns64, rewrite's cname rules). Each holds a virtual
 * thread, its nested exchanges and, while a nested query waits for an upstream, forward's blocking
 * buffers and a socket, for up to 5 s when the upstream is silent; so a flood of such queries would
 * grow memory without bound. At most {@link #limit()} run at once, process-wide; past it a query is
 * answered SERVFAIL at once on the calling thread and counted per plugin. The limit is fixed at
 * start from the heap limit, as {@link MemoryBudget} fixes the exchanges': a sixteenth of the heap
 * at {@link #QUERY_HEAP_BYTES} per query, at least {@link #MIN} and at most {@link #MAX} (82 with
 * the image's {@code -Xmx128m}: SerialGC's maxMemory leaves out a survivor space). Lock-free; touched once when such a query starts and once when it ends.
 */
final class SelfLookupGate implements MetricSource {
    /**
     * Heap one off-loop query may hold while it waits, an upper estimate: forward's blocking path
     * reads a reply into a 64 KiB array, plus the virtual thread's stack, the parsed messages and
     * the socket's objects.
     */
    static final long QUERY_HEAP_BYTES = 96 * 1024;
    static final int MIN = 16;
    static final int MAX = 1024;

    private static final String HELP_IN_FLIGHT = "Client queries answered off the transports' threads by the"
            + " server's own lookups (autopath, CNAME targets, dns64, rewrite cname): in flight, and the"
            + " process-wide limit.";
    private static final String HELP_SHED = "Queries answered SERVFAIL at once because the server's own"
            + " lookups in flight were at their limit, by the plugin that would have made them.";
    private static final String HELP_EXCHANGES = "Exchanges the server's own lookups hold, in use and pooled"
            + " (counted in the exchange budget).";
    private static final String HELP_REFUSED = "Self lookups that failed at once because the exchange budget"
            + " the UDP loops share was spent.";

    private final int limit;
    private final AtomicInteger inFlight = new AtomicInteger();
    private final ConcurrentHashMap<String, PluginShed> shed = new ConcurrentHashMap<>();
    private final Function<String, PluginShed> newShed;

    SelfLookupGate(int limit) {
        this.limit = limit;
        this.newShed = plugin -> new PluginShed(plugin, limit);
    }

    /** Queries allowed at once for a heap limit of {@code maxHeap} bytes. */
    static int limitFor(long maxHeap) {
        return (int) Math.max(MIN, Math.min(MAX, maxHeap / 16 / QUERY_HEAP_BYTES));
    }

    /** Takes a place if one is free; false (nothing taken) at the limit. */
    boolean tryEnter() {
        for (;;) {
            int n = inFlight.get();
            if (n >= limit) {
                return false;
            }
            if (inFlight.compareAndSet(n, n + 1)) {
                return true;
            }
        }
    }

    void exit() {
        inFlight.decrementAndGet();
    }

    /** What a query of {@code plugin} needs: its thread's name, its shed counter and error text (made once). */
    PluginShed of(String plugin) {
        return shed.computeIfAbsent(plugin, newShed);
    }

    int limit() {
        return limit;
    }

    int inFlight() {
        return inFlight.get();
    }

    @Override
    public void collect(Sink out, String server) {
        out.gauge("nodedns_self_lookups", HELP_IN_FLIGHT, inFlight.get(), "state", "in_flight");
        out.gauge("nodedns_self_lookups", HELP_IN_FLIGHT, limit, "state", "limit");
        SelfLookupPool pool = SelfLookupPool.shared();
        out.gauge("nodedns_self_lookup_exchanges", HELP_EXCHANGES, pool.created());
        out.counter("nodedns_self_lookup_refused", HELP_REFUSED, pool.refused());
        shed.forEach((plugin, s) -> out.counter("nodedns_self_lookup_shed", HELP_SHED, s.count.sum(),
                "plugin", plugin));
    }

    /** One plugin's entry, so the shed path allocates nothing once the plugin has shed before. */
    static final class PluginShed {
        final String threadName;
        final String error;
        final LongAdder count = new LongAdder();

        PluginShed(String plugin, int limit) {
            this.threadName = "nodedns-" + plugin;
            this.error = "plugin/" + plugin + ": concurrent self lookups exceeded maximum " + limit;
        }
    }
}
