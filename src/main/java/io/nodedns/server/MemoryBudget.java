package io.nodedns.server;

import java.lang.management.ManagementFactory;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The bound on what traffic can make the UDP loops hold, so no flood runs the process out of memory: every pooled {@link Exchange}
 * (two direct buffers of {@link UdpLoop#EXCHANGE_CAPACITY} bytes, a 1 KiB scratch some plugins use, and about 1 KiB of heap) is
 * counted here before it is created, and the total is fixed at start from the JVM's own limits:
 * a quarter of the direct-memory limit ({@code -XX:MaxDirectMemorySize}, which defaults to the heap
 * limit) and a sixteenth of the heap limit, whichever allows fewer. The rest of direct memory is
 * left to what is sized by the configuration (receive slots, forward's per-loop buffers, TCP).
 * Past the bound a loop sheds new work instead of failing an allocation (see {@link UdpLoop}).
 * With the image's {@code -Xmx128m}: 3640 exchanges, 32 MiB of direct memory. Lock-free; only
 * touched when a loop's pool grows or shrinks, never per query.
 */
public final class MemoryBudget {
    /** Direct bytes of one pooled exchange: request and response buffers, and rewrite's 1 KiB scratch. */
    static final long EXCHANGE_DIRECT_BYTES = 2L * UdpLoop.EXCHANGE_CAPACITY + 1024;
    /** Heap of one exchange with forward's parked state: an upper estimate (objects, flyweights, hook array). */
    static final long EXCHANGE_HEAP_BYTES = 1024;

    private static final long MAX_DIRECT = maxDirectMemory();
    private static final MemoryBudget EXCHANGES = new MemoryBudget(
            exchangeLimit(MAX_DIRECT, Runtime.getRuntime().maxMemory()));

    private final long limit;
    private final AtomicLong used = new AtomicLong();

    MemoryBudget(long limit) {
        this.limit = limit;
    }

    /** The process-wide budget of the UDP loops' exchanges. */
    public static MemoryBudget exchanges() {
        return EXCHANGES;
    }

    /** How many exchanges the limits allow: min(direct / 4, heap / 16), in exchanges. */
    static long exchangeLimit(long maxDirect, long maxHeap) {
        return Math.max(1, Math.min(maxDirect / 4 / EXCHANGE_DIRECT_BYTES, maxHeap / 16 / EXCHANGE_HEAP_BYTES));
    }

    /** The JVM's direct-memory limit in bytes (what {@code ByteBuffer.allocateDirect} and FFM arenas count against). */
    public static long maxDirect() {
        return MAX_DIRECT;
    }

    static long maxDirectMemory() {
        try { // exported by the launcher, the jar manifest and the test runner
            return (long) Class.forName("jdk.internal.misc.VM").getMethod("maxDirectMemory").invoke(null);
        } catch (ReflectiveOperationException | RuntimeException | LinkageError e) {
            // not exported: read the flag; 0 means "the heap limit", as the JDK does
        }
        try {
            var bean = ManagementFactory.getPlatformMXBean(com.sun.management.HotSpotDiagnosticMXBean.class);
            long flag = Long.parseLong(bean.getVMOption("MaxDirectMemorySize").getValue());
            if (flag > 0) {
                return flag;
            }
        } catch (RuntimeException | LinkageError e) {
            // not HotSpot: fall back to the JDK's default
        }
        return Runtime.getRuntime().maxMemory();
    }

    /** Takes n units if they fit under the limit; false (nothing taken) otherwise. */
    boolean tryTake(long n) {
        for (;;) {
            long u = used.get();
            if (u + n > limit) {
                return false;
            }
            if (used.compareAndSet(u, u + n)) {
                return true;
            }
        }
    }

    /** Takes n units even past the limit (a loop's floor, sized by the configuration, not by traffic). */
    void take(long n) {
        used.addAndGet(n);
    }

    void give(long n) {
        used.addAndGet(-n);
    }

    /** Units still free under the limit (negative when floors alone exceed it). */
    public long available() {
        return limit - used.get();
    }

    public long limit() {
        return limit;
    }

    public long used() {
        return used.get();
    }
}
