package io.nodedns.acceptance;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.nodedns.plugin.Plugins;
import io.nodedns.plugin.cache.CacheHandler;
import io.nodedns.server.Exchange;
import io.nodedns.server.Handler;
import io.nodedns.server.PluginRegistry;
import io.nodedns.server.Result;
import io.nodedns.testing.FreePorts;
import io.nodedns.testing.MetricValues;
import io.nodedns.testing.OpenLoopLoad;
import io.nodedns.testing.TestServer;
import java.lang.management.ManagementFactory;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetSocketAddress;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import org.agrona.MutableDirectBuffer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Issue 3, cache flood: a million distinct names (half answered with an A record, half NXDOMAIN
 * with an SOA, so both the success and the denial cache overflow about 50 times) through
 * {@code cache { success 10000; denial 10000 }}. The entry counts must never exceed the
 * configured capacity, and the heap after a full GC must not grow with the number of names.
 *
 * <p>Heap bound: docs/plugins/cache.md says all cache memory (19,951,616 bytes for these two
 * capacities) is taken at setup and never grows, so growth should be about zero. 32 MiB is 1.6
 * times the whole documented cache footprint: it fails if anything keeps as little as ~34 bytes
 * per distinct name (or a second copy of the cache), and leaves room for full-GC noise.
 */
class CacheFloodBoundTest {
    private static final int TOTAL = 1_000_000;
    private static final int WARM_UP = 20_000;
    private static final long FLOOD_LIMIT_NANOS = 45_000_000_000L;
    private static final int THREADS = 4;
    private static final int WINDOW = 64; // per thread: 256 queries in flight
    private static final long LOST_AFTER_NANOS = 1_000_000_000L;
    private static final long MAX_HEAP_GROWTH = 32L << 20;
    private static final String UPSTREAM = "floodupstream";

    @Test
    @Timeout(120)
    void aMillionDistinctNamesStayWithinCapacityAndHeap() throws Exception {
        int port = FreePorts.udpAndTcp();
        String corefile = ".:" + port + " {\n bind 127.0.0.1\n cache {\n  success 10000\n  denial 10000\n }\n "
                + UPSTREAM + "\n}\n";
        try (TestServer server = TestServer.fromText(corefile, registry())) {
            CacheHandler cache = cachePlugin(server);
            int successCap = cache.successCapacity();
            int denialCap = cache.denialCapacity();

            // Warm-up: fills both caches with the same client machinery (same exchange pool sizes).
            Flood warm = new Flood(port, "w", WARM_UP, Long.MAX_VALUE);
            warm.run();
            long heapBefore = heapAfterFullGc();
            long committedBefore = ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getCommitted();
            long rssBefore = rssKiB();

            // Samples the entry counts every millisecond, and RSS once half the names are out: RSS
            // growth in the second half separates a leak from first touches of committed heap pages.
            long[] peak = new long[2];
            long[] rssMid = {-1};
            Flood flood = new Flood(port, "f", TOTAL, FLOOD_LIMIT_NANOS);
            Thread monitor = Thread.ofPlatform().daemon().name("flood-monitor").start(() -> {
                while (!Thread.currentThread().isInterrupted()) {
                    MetricValues now = series(server);
                    peak[0] = Math.max(peak[0], count(now, "coredns_cache_entries", "success"));
                    peak[1] = Math.max(peak[1], count(now, "coredns_cache_entries", "denial"));
                    if (rssMid[0] < 0 && flood.sent.get() >= TOTAL / 2) {
                        rssMid[0] = rssKiB();
                    }
                    LockSupport.parkNanos(1_000_000);
                }
            });
            long evictionsBefore = evictions(series(server));
            flood.run();
            monitor.interrupt();
            monitor.join();
            MetricValues after = series(server);
            long successEntries = count(after, "coredns_cache_entries", "success");
            long denialEntries = count(after, "coredns_cache_entries", "denial");
            peak[0] = Math.max(peak[0], successEntries);
            peak[1] = Math.max(peak[1], denialEntries);

            long heapAfter = heapAfterFullGc();
            long committedAfter = ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getCommitted();
            long rssAfter = rssKiB();
            long evictions = evictions(after) - evictionsBefore;
            double secs = flood.elapsedNanos / 1e9;
            System.out.printf("cache flood: sent %d, answered %d, lost %d, in %.2f s = %.0f qps%s%n", flood.sent.get(),
                    flood.answered.get(), flood.lost.get(), secs, flood.answered.get() / secs,
                    flood.sent.get() < TOTAL
                            ? " (STOPPED AT THE " + FLOOD_LIMIT_NANOS / 1_000_000_000L + " s LIMIT)"
                            : "");
            System.out.printf(
                    "cache flood: entries success %d (peak %d) / capacity %d, denial %d (peak %d) / capacity %d,"
                            + " evictions success %d denial %d (during flood %d), misses %d, cache memory %d bytes%n",
                    successEntries, peak[0], successCap, denialEntries, peak[1], denialCap,
                    count(after, "coredns_cache_evictions", "success"),
                    count(after, "coredns_cache_evictions", "denial"),
                    evictions, (long) after.value("coredns_cache_misses"), cache.memoryBytes());
            System.out.printf("cache flood: heap used after full GC before %.1f MiB, after %.1f MiB, growth %.2f MiB"
                    + " (bound %d MiB); heap committed before %.1f MiB, after %.1f MiB;"
                    + " VmRSS before %d KiB, at half the names %d KiB, after %d KiB, growth %d KiB"
                    + " (second half %d KiB)%n",
                    heapBefore / 1048576.0, heapAfter / 1048576.0, (heapAfter - heapBefore) / 1048576.0,
                    MAX_HEAP_GROWTH >> 20, committedBefore / 1048576.0, committedAfter / 1048576.0,
                    rssBefore, rssMid[0], rssAfter, rssAfter - rssBefore, rssMid[0] < 0 ? -1 : rssAfter - rssMid[0]);

            assertEquals(9984, successCap, "10000 rounds down to a multiple of 256 (cache.md)");
            assertEquals(9984, denialCap);
            assertTrue(peak[0] <= successCap, "success entries peaked at " + peak[0] + " > " + successCap);
            assertTrue(peak[1] <= denialCap, "denial entries peaked at " + peak[1] + " > " + denialCap);
            // Enough distinct names to overflow both caches many times over, even on a slow machine.
            assertTrue(flood.answered.get() >= 20L * (successCap + denialCap), "flood too small to prove anything");
            assertTrue(flood.lost.get() <= flood.sent.get() / 100, "more than 1 % of queries lost");
            // Every answered flood name was new, so each stored one displaced an older entry.
            assertTrue(evictions >= flood.answered.get() - (successCap + denialCap),
                    "evictions " + evictions + " for " + flood.answered.get() + " new names");
            assertTrue(heapAfter - heapBefore < MAX_HEAP_GROWTH,
                    "heap grew " + (heapAfter - heapBefore) + " bytes over " + flood.answered.get() + " names");
        }
    }

    /** The block's series as the metrics plugin reads them (the counters live in the cache's shared state). */
    private static MetricValues series(TestServer server) {
        return MetricValues.of(server.server().current().configs().getFirst().metrics());
    }

    private static long count(MetricValues series, String name, String type) {
        return (long) series.value(name, "type", type);
    }

    private static long evictions(MetricValues series) {
        return count(series, "coredns_cache_evictions", "success") + count(series, "coredns_cache_evictions", "denial");
    }

    private static CacheHandler cachePlugin(TestServer server) {
        for (Handler h : server.server().current().configs().getFirst().handlers()) {
            if (h instanceof CacheHandler c) {
                return c;
            }
        }
        throw new AssertionError("no cache handler");
    }

    private static long heapAfterFullGc() throws InterruptedException {
        long used = Long.MAX_VALUE;
        for (int i = 0; i < 4; i++) {
            System.gc();
            Thread.sleep(100);
            used = Math.min(used, ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed());
        }
        return used;
    }

    /** VmRSS of this JVM (server and load generator together), or -1 where /proc is missing. */
    private static long rssKiB() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith("VmRSS:")) {
                    return Long.parseLong(line.replaceAll("[^0-9]", ""));
                }
            }
        } catch (java.io.IOException | RuntimeException e) {
            // not Linux: RSS is informational only
        }
        return -1;
    }

    /** Every shipped plugin plus the flood upstream at the end of the order. */
    private static PluginRegistry registry() {
        List<String> order = new ArrayList<>(PluginRegistry.ORDER);
        order.add(UPSTREAM);
        return Plugins.registerAll(new PluginRegistry(order)).register(UPSTREAM, ctx -> {
            ctx.once();
            ctx.addHandler(new FloodUpstream());
        });
    }

    /**
     * An in-process upstream behind the cache (no second network hop, so the 2 cores go to the
     * cache path): names whose first label starts with 'n' get NXDOMAIN with an SOA (cached as
     * denial), others one A record, TTL 300 (cached as success). Writes in place, allocation-free.
     */
    private static final class FloodUpstream implements Handler {
        @Override
        public String name() {
            return UPSTREAM;
        }

        @Override
        public int serve(Exchange ex) {
            MutableDirectBuffer req = ex.request();
            MutableDirectBuffer out = ex.response();
            int qend = ex.query().questionEnd();
            boolean nx = req.getByte(ex.query().qnameOffset() + 1) == 'n';
            out.putBytes(0, req, 0, qend);
            int flags = (req.getShort(2, ByteOrder.BIG_ENDIAN) & 0x0110) | 0x8080 | (nx ? 3 : 0);
            out.putShort(2, (short) flags, ByteOrder.BIG_ENDIAN);
            out.putShort(6, (short) (nx ? 0 : 1), ByteOrder.BIG_ENDIAN);
            out.putShort(8, (short) (nx ? 1 : 0), ByteOrder.BIG_ENDIAN);
            out.putShort(10, (short) 0, ByteOrder.BIG_ENDIAN);
            int p = qend;
            if (nx) { // ". 300 IN SOA . . 1 3600 600 86400 60"
                out.putByte(p, (byte) 0);
                out.putShort(p + 1, (short) 6, ByteOrder.BIG_ENDIAN);
                out.putShort(p + 3, (short) 1, ByteOrder.BIG_ENDIAN);
                out.putInt(p + 5, 300, ByteOrder.BIG_ENDIAN);
                out.putShort(p + 9, (short) 22, ByteOrder.BIG_ENDIAN);
                out.putByte(p + 11, (byte) 0);
                out.putByte(p + 12, (byte) 0);
                out.putInt(p + 13, 1, ByteOrder.BIG_ENDIAN);
                out.putInt(p + 17, 3600, ByteOrder.BIG_ENDIAN);
                out.putInt(p + 21, 600, ByteOrder.BIG_ENDIAN);
                out.putInt(p + 25, 86400, ByteOrder.BIG_ENDIAN);
                out.putInt(p + 29, 60, ByteOrder.BIG_ENDIAN);
                p += 33;
            } else {
                out.putShort(p, (short) 0xC00C, ByteOrder.BIG_ENDIAN);
                out.putShort(p + 2, (short) 1, ByteOrder.BIG_ENDIAN);
                out.putShort(p + 4, (short) 1, ByteOrder.BIG_ENDIAN);
                out.putInt(p + 6, 300, ByteOrder.BIG_ENDIAN);
                out.putShort(p + 10, (short) 4, ByteOrder.BIG_ENDIAN);
                out.putInt(p + 12, 0xC0000201, ByteOrder.BIG_ENDIAN);
                p += 16;
            }
            ex.written(p, UPSTREAM);
            return Result.WRITTEN;
        }
    }

    /**
     * Closed-loop UDP load: THREADS sockets, each keeping WINDOW distinct-name queries in flight.
     * Name k is "{n|q}k.PREFIX.flood.test" (odd k NXDOMAIN). A query unanswered for 1 s counts as
     * lost and is replaced by a new name. Stops after {@code total} names or {@code limit} nanos.
     */
    private static final class Flood {
        final int port;
        final String prefix;
        final int total;
        final long limitNanos;
        final AtomicLong next = new AtomicLong();
        final AtomicLong sent = new AtomicLong();
        final AtomicLong answered = new AtomicLong();
        final AtomicLong lost = new AtomicLong();
        final AtomicLong badRcode = new AtomicLong();
        long elapsedNanos;
        volatile long deadline;
        volatile Throwable failure;

        Flood(int port, String prefix, int total, long limitNanos) {
            this.port = port;
            this.prefix = prefix;
            this.total = total;
            this.limitNanos = limitNanos;
        }

        void run() throws Exception {
            long start = System.nanoTime();
            deadline = limitNanos == Long.MAX_VALUE ? Long.MAX_VALUE : start + limitNanos;
            List<Thread> threads = new ArrayList<>();
            for (int t = 0; t < THREADS; t++) {
                threads.add(Thread.ofPlatform().daemon().name("flood-" + prefix + t).start(this::client));
            }
            for (Thread t : threads) {
                t.join();
            }
            elapsedNanos = System.nanoTime() - start;
            if (failure != null) {
                throw new AssertionError("load generator failed", failure);
            }
            assertEquals(0, badRcode.get(), "replies with an unexpected rcode");
        }

        /** Claims the next name and sends it with a free ID; false once the flood is over. */
        private boolean sendNext(DatagramSocket s, DatagramPacket p, ByteBuffer out, long[] inFlight, int[] id)
                throws Exception {
            if (System.nanoTime() - deadline >= 0) {
                return false;
            }
            long k = next.getAndIncrement();
            if (k >= total) {
                return false;
            }
            while (inFlight[id[0]] != 0) {
                id[0] = (id[0] + 1) & 0xFFFF;
            }
            out.clear();
            OpenLoopLoad.writeQuery(out, id[0], ((k & 1) == 1 ? "n" : "q") + k + "." + prefix + ".flood.test");
            p.setData(out.array(), 0, out.position());
            inFlight[id[0]] = System.nanoTime();
            s.send(p);
            sent.incrementAndGet();
            id[0] = (id[0] + 1) & 0xFFFF;
            return true;
        }

        private void client() {
            long[] inFlight = new long[1 << 16]; // send time by ID, 0 = free
            int[] id = {0};
            int outstanding = 0;
            ByteBuffer out = ByteBuffer.allocate(512);
            ByteBuffer in = ByteBuffer.allocate(4096);
            try (DatagramSocket s = new DatagramSocket()) {
                s.connect(new InetSocketAddress("127.0.0.1", port));
                s.setSoTimeout(100);
                DatagramPacket sp = new DatagramPacket(out.array(), 0);
                DatagramPacket rp = new DatagramPacket(in.array(), in.capacity());
                for (int i = 0; i < WINDOW && sendNext(s, sp, out, inFlight, id); i++) {
                    outstanding++;
                }
                long lastSweep = System.nanoTime();
                while (outstanding > 0) {
                    try {
                        rp.setData(in.array(), 0, in.capacity());
                        s.receive(rp);
                        int rid = Wire.id(in);
                        if (rp.getLength() >= 12 && inFlight[rid] != 0) {
                            inFlight[rid] = 0;
                            outstanding--;
                            answered.incrementAndGet();
                            int rc = Wire.rcode(in);
                            if (rc != 0 && rc != 3) {
                                badRcode.incrementAndGet();
                            }
                            if (sendNext(s, sp, out, inFlight, id)) {
                                outstanding++;
                            }
                        }
                    } catch (SocketTimeoutException idle) {
                        // fall through to the sweep
                    }
                    long now = System.nanoTime();
                    if (now - lastSweep > 100_000_000L) {
                        lastSweep = now;
                        for (int i = 0; i < inFlight.length; i++) {
                            if (inFlight[i] != 0 && now - inFlight[i] > LOST_AFTER_NANOS) {
                                inFlight[i] = 0;
                                outstanding--;
                                lost.incrementAndGet();
                                if (sendNext(s, sp, out, inFlight, id)) {
                                    outstanding++;
                                }
                            }
                        }
                    }
                }
            } catch (Exception e) {
                failure = e;
            }
        }
    }
}
