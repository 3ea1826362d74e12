package io.nodedns.server;

import io.nodedns.log.Log;
import java.lang.ref.WeakReference;
import java.time.Duration;
import java.util.function.BooleanSupplier;
import java.util.function.LongSupplier;

/**
 * Gives the heap back once a burst has passed. SerialGC grows the old generation to take what a
 * burst promotes (objects of connections in flight at a young collection) and gives committed
 * heap back only at a full collection, which an idle process never runs: after a DNS-over-HTTPS
 * connection churn RSS stayed at its peak (docs/operations.md). So a check every
 * {@link #CHECK_PERIOD} runs one full GC ({@link #now}) when the committed heap is
 * {@link #MIN_GROWTH} or more above what the last full GC left, the process is quiet (no
 * collection and fewer than {@link #QUIET_QUERIES_PER_SECOND} queries a second since the previous
 * check, over UDP, TCP, DoT and DoH together) and the last release is {@link #MIN_SPACING} ago.
 * The pause it costs is measured in docs/operations.md. Nothing on the UDP path: its count is the
 * loops' per-batch counters, summed here; a stream query adds one to its listener's LongAdder
 * (its virtual thread allocates anyway).
 */
final class HeapRelease {
    static final Duration CHECK_PERIOD = Duration.ofSeconds(5);
    /** Growth worth a full GC: about a tenth of the image's idle RSS, half its idle heap. */
    static final long MIN_GROWTH = 8L << 20;
    /**
     * Queries a second (all transports) below which the process counts as quiet. UDP allocates
     * nothing, and a TCP query about 0.4 KiB, so no GC shows a steady rate of either; the pause
     * delays the queries that arrive meanwhile (they wait in their sockets): at this rate about one
     * per 50 ms pause, about what probes and a node's background trickle send.
     */
    static final long QUIET_QUERIES_PER_SECOND = 20;
    /**
     * The least time between two releases: bounds their pauses to about a thousandth of the time
     * even if bursts keep coming, and a burst repeating sooner would grow the heap back anyway.
     */
    static final Duration MIN_SPACING = Duration.ofSeconds(60);

    private final LongSupplier committed;
    private final LongSupplier queries;
    private final BooleanSupplier collectedSinceLastAsk;
    private final LongSupplier nanoClock;
    private final Runnable fullGc;
    /** The committed heap after the last full GC ({@link #now}, a reload's or a release's): what a release returns to. */
    private volatile long baseline;
    // The check's own state, on the Periodic's thread only.
    private long lastQueries = -1;
    private long lastCheckNanos;
    private long lastReleaseNanos;
    private boolean released;

    /**
     * The process's: the committed heap from the runtime, the queries its listeners counted
     * ({@link Server#queries}), and the baseline from now, which is about -Xms (the first full GC,
     * a release once quiet after start-up or a reload's, sets it to what is live).
     */
    HeapRelease(LongSupplier queries) {
        this(Runtime.getRuntime()::totalMemory, queries, new GcSentinel(), System::nanoTime, System::gc);
    }

    HeapRelease(LongSupplier committed, LongSupplier queries, BooleanSupplier collectedSinceLastAsk,
            LongSupplier nanoClock, Runnable fullGc) {
        this.committed = committed;
        this.queries = queries;
        this.collectedSinceLastAsk = collectedSinceLastAsk;
        this.nanoClock = nanoClock;
        this.fullGc = fullGc;
        this.baseline = committed.getAsLong();
    }

    /** The check as a process lifecycle (a {@link Periodic}); the first check one period after start. */
    Lifecycle afterBursts() {
        return new Periodic("nodedns-heap-release", CHECK_PERIOD, this::check);
    }

    /** One check: a full GC if the heap grew by {@link #MIN_GROWTH}, the process is quiet and the last release is long enough ago. */
    void check() {
        boolean noGc = !collectedSinceLastAsk.getAsBoolean();
        long now = nanoClock.getAsLong();
        long count = queries.getAsLong();
        long seconds = Math.max(1, (now - lastCheckNanos) / 1_000_000_000L);
        // A count that went back (a reload's listeners replaced the old ones) is not taken as quiet.
        boolean quiet = noGc && lastQueries >= 0 && count >= lastQueries
                && count - lastQueries < QUIET_QUERIES_PER_SECOND * seconds;
        lastQueries = count;
        lastCheckNanos = now;
        if (quiet && committed.getAsLong() - baseline >= MIN_GROWTH
                && (!released || now - lastReleaseNanos >= MIN_SPACING.toNanos())) {
            now("", "a burst");
            released = true;
            lastReleaseNanos = now;
            collectedSinceLastAsk.getAsBoolean(); // this GC is not a sign of load at the next check
        }
    }

    /**
     * A full GC now, then glibc is asked to return the malloc pages freed with it (compiler arenas,
     * native buffers). SerialGC shrinks the committed heap only there, to what -XX:MaxHeapFreeRatio
     * allows above the live heap (at once with the image's -XX:-ShrinkHeapInSteps). What it leaves
     * committed is the baseline {@link #check} compares with. The UDP loops' sockets queue meanwhile.
     */
    void now(String plugin, String after) {
        long before = committed.getAsLong();
        long start = System.nanoTime();
        fullGc.run();
        double gcMillis = (System.nanoTime() - start) / 1e6;
        boolean trimmed = io.nodedns.sys.NativeHeap.trim();
        long left = committed.getAsLong();
        baseline = left;
        Runtime rt = Runtime.getRuntime();
        Log.info(plugin, String.format("after %s: full GC %.1f ms, heap committed %d -> %d KiB, used %d KiB%s", after,
                gcMillis, before >> 10, left >> 10, (rt.totalMemory() - rt.freeMemory()) >> 10,
                trimmed ? ", malloc pages returned" : ""));
    }

    /**
     * Whether a collection ran since the previous call, from a weak reference to an object only it
     * reaches, made at that call (any collection clears it), without loading the JVM's management
     * beans for it. The first call answers true (nothing to tell by).
     */
    private static final class GcSentinel implements BooleanSupplier {
        private WeakReference<Object> sinceLastAsk;

        @Override
        public boolean getAsBoolean() {
            boolean collected = sinceLastAsk == null || sinceLastAsk.get() == null;
            sinceLastAsk = new WeakReference<>(new Object());
            return collected;
        }
    }
}
