package io.nodedns.server;

import io.nodedns.log.Log;
import java.time.Duration;

/**
 * A virtual thread that runs a task every period until it is interrupted: the one way periodic
 * work is run (file reload checks, forward's idle-connection sweep, node-cache's ConfigMap sync, the heap release after a burst).
 * An instance is such a task as a {@link Lifecycle}, started and stopped with what owns it, so a
 * Corefile reload never leaves a timer behind.
 */
public final class Periodic implements Lifecycle {
    private final String name;
    private final Duration period;
    private final Runnable task;
    private Thread thread;

    /** The task {@code name} runs every {@code period} once started; a zero period is off (CoreDNS's {@code reload 0}). */
    public Periodic(String name, Duration period, Runnable task) {
        this.name = name;
        this.period = period;
        this.task = task;
    }

    /** Starts the thread, unless it runs already or the period is zero. */
    @Override
    public synchronized void start() {
        if (thread == null && !period.isZero()) {
            thread = start(name, period, task);
        }
    }

    @Override
    public synchronized void stop() {
        if (thread != null) {
            thread.interrupt();
            thread = null;
        }
    }

    /** Whether the thread runs: started, not stopped. */
    public synchronized boolean running() {
        return thread != null && thread.isAlive();
    }

    /**
     * Starts it: the first run is one period from now; {@link Thread#interrupt} ends it. A run that
     * throws is logged with the thread's name and the next run goes ahead: one bad reload or API
     * answer must not end the sweep or the sync for the life of the process.
     */
    public static Thread start(String name, Duration period, Runnable task) {
        return Thread.ofVirtual().name(name).start(() -> {
            while (!Thread.currentThread().isInterrupted()) {
                try {
                    Thread.sleep(period);
                } catch (InterruptedException e) {
                    return;
                }
                try {
                    task.run();
                } catch (RuntimeException e) {
                    Log.error(null, Log.withStack(name + ": " + e, e));
                }
            }
        });
    }
}
