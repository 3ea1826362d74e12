package io.nodedns.server;

import io.nodedns.log.Log;
import java.lang.ref.WeakReference;
import java.time.Duration;

/**
 * Gives the heap back once a burst has passed. SerialGC grows the old generation to take what a
 * burst promotes (objects of connections in flight at a young collection) and gives committed
 * heap back only at a full collection, which an idle process never runs: after a DNS-over-HTTPS
 * connection churn RSS stayed at its peak (docs/operations.md). So a check every
 * {@link #CHECK_PERIOD} runs one full GC ({@link #now}) when the committed heap is
 * {@link #MIN_GROWTH} or more above what the last full GC left committed and no collection ran
 * since the previous check (nothing allocates much: the burst is over). The GC stops the world
 * for tens of ms (more on a loaded machine); a heap that grew for good (caches filling) costs one
 * such GC per {@link #MIN_GROWTH} of growth. Nothing on the query path.
 */
public final class HeapRelease {
    static final Duration CHECK_PERIOD = Duration.ofSeconds(5);
    /** Growth worth a full GC: about a tenth of the image's idle RSS, half its idle heap. */
    static final long MIN_GROWTH = 8L << 20;

    private final Runtime runtime = Runtime.getRuntime();
    /** The committed heap after the last full GC (or the lowest seen): what a release returns to. */
    private long baseline = Long.MAX_VALUE;
    /**
     * An object only this reference reaches, made at the previous check: any collection clears it,
     * so it tells whether one ran since, without loading the JVM's management beans for it.
     */
    private WeakReference<Object> sinceLastCheck;

    /** The check as a process lifecycle (a {@link Periodic}); the first check one period after start. */
    public static Lifecycle afterBursts() {
        return new Periodic("nodedns-heap-release", CHECK_PERIOD, new HeapRelease()::check);
    }

    /** One check: a full GC if the heap grew by {@link #MIN_GROWTH} and no GC ran since the last check. */
    void check() {
        boolean quiet = sinceLastCheck != null && sinceLastCheck.get() != null;
        sinceLastCheck = new WeakReference<>(new Object());
        long committed = runtime.totalMemory();
        if (committed < baseline) {
            baseline = committed;
        } else if (quiet && committed - baseline >= MIN_GROWTH) {
            now("", "a burst");
            baseline = runtime.totalMemory();
        }
    }

    /**
     * A full GC now, then glibc is asked to return the malloc pages freed with it (compiler arenas,
     * native buffers). SerialGC shrinks the committed heap only there, to what -XX:MaxHeapFreeRatio
     * allows above the live heap (at once with the image's -XX:-ShrinkHeapInSteps). It stops the
     * world for a few ms (a ~10 MB live heap); the UDP loops' sockets queue meanwhile.
     */
    static void now(String plugin, String after) {
        long committed = Runtime.getRuntime().totalMemory();
        long start = System.nanoTime();
        System.gc();
        double gcMillis = (System.nanoTime() - start) / 1e6;
        boolean trimmed = io.nodedns.sys.NativeHeap.trim();
        Runtime rt = Runtime.getRuntime();
        Log.info(plugin, String.format("after %s: full GC %.1f ms, heap committed %d -> %d KiB, used %d KiB%s", after,
                gcMillis, committed >> 10, rt.totalMemory() >> 10, (rt.totalMemory() - rt.freeMemory()) >> 10,
                trimmed ? ", malloc pages returned" : ""));
    }
}
