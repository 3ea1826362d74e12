package io.nodedns.plugin.reload;

import io.nodedns.server.Periodic;
import io.nodedns.server.Shared;
import java.time.Duration;

/**
 * One process-wide timer that asks the server to reload every period. It survives reloads: the
 * new config reschedules it, and a config without {@code reload} stops it.
 */
final class ReloadTimer {
    private final Shared shared;
    private Thread thread;
    private Object owner;

    ReloadTimer(Shared shared) {
        this.shared = shared;
    }

    /** Restarts the timer with this period on behalf of {@code newOwner} (one loaded config). */
    synchronized void schedule(Object newOwner, Duration newPeriod) {
        stopThread();
        owner = newOwner;
        thread = Periodic.start("nodedns-reload-timer", newPeriod, shared::requestReload);
    }

    /** Stops the timer unless a newer config already took it over. */
    synchronized void cancel(Object ofOwner) {
        if (ofOwner == owner) {
            stopThread();
            owner = null;
        }
    }

    private void stopThread() {
        if (thread != null) {
            thread.interrupt();
            thread = null;
        }
    }
}
