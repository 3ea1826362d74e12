package io.nodedns.log;

import java.io.PrintStream;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import org.agrona.concurrent.ManyToOneConcurrentArrayQueue;

/**
 * CoreDNS-style log lines: {@code [LEVEL] plugin/NAME: message}, no timestamp (the container
 * runtime adds one). Lines go to stdout like CoreDNS, one println per line (lines stay whole),
 * written by one thread of their own ({@link Writer}): the thread that logs only queues the line.
 * A UDP loop that logged (errors, log, a loop error) wrote to stdout itself, and when the
 * reader of stdout stopped taking lines (the container runtime stalled, a pipe nobody reads)
 * the loop blocked in the write with every query it owned, cache hits too, while /health said
 * OK. Past {@link Writer#CAPACITY} lines waiting, lines are dropped and counted, and the writer
 * says how many once it can write again. CoreDNS blocks only the goroutine that logs.
 */
public final class Log {
    private static volatile PrintStream out = System.out;
    private static volatile boolean debug;
    /** Configurations whose Corefile has the debug plugin: counted, since a reload starts the new one before stopping the old. */
    private static final java.util.concurrent.atomic.AtomicInteger debugHolders = new java.util.concurrent.atomic.AtomicInteger();

    private Log() {}

    /** Writes what is queued to the current output (up to 1 s), then sends later lines to {@code stream}. */
    public static void output(PrintStream stream) {
        flush(1000);
        out = stream;
    }

    /**
     * Waits up to {@code timeoutMillis} until every line logged before the call is written (before
     * an exit, before text written to stdout directly, before a test reads what was logged);
     * false if they were not.
     */
    public static boolean flush(long timeoutMillis) {
        // every line whose offer completed (the caller's own included), counted by the queue itself:
        // a count kept beside it could lag another thread's completed offer
        long target = Writer.LINES.addedCount();
        long deadline = System.nanoTime() + timeoutMillis * 1_000_000;
        while (Writer.written < target) {
            if (System.nanoTime() >= deadline) {
                return false;
            }
            LockSupport.parkNanos(200_000);
        }
        return true;
    }

    public static void debug(boolean on) {
        debug = on;
    }

    /** The debug plugin's start: debug lines print while at least one holder remains. */
    public static void holdDebug() {
        debugHolders.incrementAndGet();
    }

    public static void releaseDebug() {
        debugHolders.decrementAndGet();
    }

    public static boolean debugOn() {
        return debug || debugHolders.get() > 0;
    }

    public static void info(String plugin, String message) {
        line("[INFO] ", plugin, message);
    }

    public static void warning(String plugin, String message) {
        line("[WARNING] ", plugin, message);
    }

    public static void error(String plugin, String message) {
        line("[ERROR] ", plugin, message);
    }

    /** Also waits up to 1 s for the line to be written: an exit follows. */
    public static void fatal(String plugin, String message) {
        line("[FATAL] ", plugin, message);
        flush(1000);
    }

    public static void debug(String plugin, String message) {
        if (debugOn()) {
            line("[DEBUG] ", plugin, message);
        }
    }

    /** The message followed by the throwable's Java stack, for one log call (lines of concurrent failures cannot interleave). */
    public static String withStack(String message, Throwable failure) {
        java.io.StringWriter trace = new java.io.StringWriter();
        failure.printStackTrace(new java.io.PrintWriter(trace));
        return message + System.lineSeparator() + trace.toString().stripTrailing();
    }

    /** A raw line (the log plugin's query lines carry their own prefix). */
    public static void raw(String line) {
        Writer.queue(line);
    }

    private static void line(String level, String plugin, String message) {
        Writer.queue(
                plugin == null || plugin.isEmpty() ? level + message : level + "plugin/" + plugin + ": " + message);
    }

    /**
     * The one thread that writes log lines (a platform thread, started with the first line,
     * parked while none waits): a blocking write there stops no other thread.
     */
    static final class Writer {
        /** Lines that may wait: about 200 KiB of text at most. */
        static final int CAPACITY = 1024;
        static final ManyToOneConcurrentArrayQueue<String> LINES = new ManyToOneConcurrentArrayQueue<>(CAPACITY);
        static final AtomicLong DROPPED = new AtomicLong();
        /** Lines written; only the writer stores it. */
        static volatile long written;
        /** The writer is parked or about to park: a new line unparks it. */
        private static volatile boolean idle;
        private static final Thread THREAD = Thread.ofPlatform().name("nodedns-log").daemon()
                .start(Writer::run);

        private Writer() {}

        static void queue(String line) {
            if (!LINES.offer(line)) {
                DROPPED.incrementAndGet();
                return;
            }
            if (idle) {
                LockSupport.unpark(THREAD);
            }
        }

        private static void run() {
            long reported = 0;
            while (true) {
                String line = LINES.poll();
                if (line != null) {
                    write(line);
                    written = written + 1;
                    continue;
                }
                long dropped = DROPPED.get();
                if (dropped != reported) {
                    write("[WARNING] " + (dropped - reported)
                            + " log lines dropped (the output blocked or failed; at most "
                            + CAPACITY + " wait)");
                    reported = dropped;
                    continue;
                }
                idle = true;
                if (LINES.isEmpty()) {
                    LockSupport.park(); // an unpark between the poll and here makes it return at once
                }
                idle = false;
            }
        }

        /** The one writer must outlive any line: a line that fails is counted, not written. */
        private static void write(String line) {
            try {
                out.println(line);
            } catch (RuntimeException | Error e) {
                DROPPED.incrementAndGet();
            }
        }
    }
}
