package io.nodedns.server;

import io.nodedns.log.Log;
import java.time.Duration;

/**
 * A virtual thread that runs a task every period until it is interrupted: the one way periodic
 * work is run (file reload checks, forward's idle-connection sweep, node-cache's ConfigMap sync).
 */
public final class Periodic {
    private Periodic() {}

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
