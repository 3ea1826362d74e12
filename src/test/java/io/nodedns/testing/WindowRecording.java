package io.nodedns.testing;

import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.locks.LockSupport;
import jdk.jfr.Recording;

/**
 * With {@code -Dnodedns.alloc.jfr=FILE}: what an allocation test's windows allocated, and when. A
 * JFR recording of the windows (allocation samples with their stacks, every compile and
 * deoptimization) is dumped to FILE when they end, before the JVM exits; each window's bounds and
 * each allocation on the measured thread (its moment to the millisecond and its size) are printed,
 * so a window's bytes can be lined up with the compiles and samples around them. JFR samples
 * allocations only at TLAB refills, which a thread allocating a few hundred bytes a window rarely
 * reaches, hence the counter's poller; {@code -XX:-UseTLAB} would record every allocation but slows
 * the test's clients until forward's timeouts fire.
 */
final class WindowRecording implements AutoCloseable {
    private static final com.sun.management.ThreadMXBean MX = (com.sun.management.ThreadMXBean) ManagementFactory
            .getThreadMXBean();
    private final Recording recording;
    private final Path file;
    private final Thread poller;
    private final List<String> moments = new ArrayList<>();
    private volatile boolean stop;

    private WindowRecording(Recording recording, Path file, long thread) {
        this.recording = recording;
        this.file = file;
        // The thread's counter includes its current TLAB's use, so polling it every millisecond
        // finds each allocation to the millisecond without perturbing it (no TLAB flags needed).
        this.poller = Thread.ofPlatform().daemon().name("alloc-poller").start(() -> poll(thread));
    }

    private void poll(long thread) {
        long last = MX.getThreadAllocatedBytes(thread);
        while (!stop) {
            long now = MX.getThreadAllocatedBytes(thread);
            if (now != last) {
                moments.add("ALLOC " + Instant.now() + " " + (now - last));
                last = now;
            }
            LockSupport.parkNanos(1_000_000);
        }
    }

    /** A recording if the property asks for one, else null. */
    static WindowRecording startIfAsked(long thread) {
        String file = System.getProperty("nodedns.alloc.jfr");
        if (file == null) {
            return null;
        }
        Recording r = new Recording();
        for (String event : new String[]{"jdk.ObjectAllocationOutsideTLAB", "jdk.ObjectAllocationInNewTLAB"}) {
            r.enable(event).withStackTrace();
        }
        r.enable("jdk.Compilation").withThreshold(Duration.ZERO);
        r.enable("jdk.Deoptimization").withStackTrace();
        r.start();
        return new WindowRecording(r, Path.of(file), thread);
    }

    /** Prints one window's bounds, for lining events up with it. */
    static void window(WindowRecording recording, int window, String kind, Instant start, double perQuery) {
        if (recording != null) {
            System.out.printf("WINDOW %d %s %s %s %.4f%n", window, kind, start, Instant.now(), perQuery);
        }
    }

    @Override
    public void close() throws Exception {
        stop = true;
        poller.join();
        moments.forEach(System.out::println);
        recording.stop();
        recording.dump(file);
        recording.close();
    }
}
