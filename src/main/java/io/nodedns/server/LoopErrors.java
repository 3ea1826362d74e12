package io.nodedns.server;

import io.nodedns.log.Log;
import java.util.concurrent.atomic.LongAdder;

/**
 * What a serving thread (UDP loop, TCP acceptor) does with a Throwable it caught: count it, log
 * it at most once per {@link #LOG_EVERY_NANOS} (a flood of errors must not become a flood of log
 * lines), and go on, unless the JVM cannot go on: then one [FATAL] line and the process exits, so
 * the kubelet restarts it instead of leaving a half-dead server behind. A failed allocation of
 * direct memory is recoverable (the buffers come back as queries complete); so is a stack
 * overflow, which unwinds. Any other {@link VirtualMachineError} (heap exhausted, internal error)
 * is not.
 */
final class LoopErrors {
    static final long LOG_EVERY_NANOS = 10_000_000_000L;
    /** Exit status of a fatal error in a serving thread (like Go's runtime panic). */
    static final int FATAL_STATUS = 2;

    private final String what;
    private final LongAdder count = new LongAdder();
    private long lastLog = System.nanoTime() - LOG_EVERY_NANOS;
    private long unlogged;

    LoopErrors(String what) {
        this.what = what;
    }

    /** Counts {@code t} and returns if the thread may go on; exits the process if it may not. */
    void caught(Throwable t) {
        count.increment();
        if (fatal(t)) {
            Log.fatal("server", what + " cannot go on, exiting: " + t);
            System.err.flush();
            System.out.flush();
            // halt, not exit: shutdown hooks drain for seconds and may need the memory that is gone
            Runtime.getRuntime().halt(FATAL_STATUS);
        }
        logLimited(t);
    }

    private synchronized void logLimited(Throwable t) {
        long now = System.nanoTime();
        if (now - lastLog < LOG_EVERY_NANOS) {
            unlogged++;
            return;
        }
        lastLog = now;
        String more = unlogged == 0 ? "" : " (and " + unlogged + " more since the last report)";
        unlogged = 0;
        StackTraceElement[] at = t.getStackTrace();
        Log.error("server", what + ": " + t + (at.length > 0 ? " at " + at[0] : "") + more);
    }

    static boolean fatal(Throwable t) {
        if (!(t instanceof VirtualMachineError) || t instanceof StackOverflowError) {
            return false;
        }
        return !(t instanceof OutOfMemoryError oom && directMemory(oom));
    }

    /** The JDK's failure to reserve direct (or FFM native) memory: "Cannot reserve N bytes of direct buffer memory". */
    static boolean directMemory(OutOfMemoryError e) {
        String m = e.getMessage();
        return m != null && (m.contains("direct buffer memory") || m.startsWith("Unable to allocate"));
    }

    long count() {
        return count.sum();
    }
}
