package io.nodedns.plugin.reload;

import io.nodedns.server.Periodic;
import io.nodedns.server.Shared;
import java.time.Duration;

/**
 * One process-wide timer that asks the server to reload every period. It survives reloads: the
 * new config reschedules it, and a config without {@code reload} stops it. It is not simply each
 * config's own {@link Periodic}: every block with {@code reload} would add a timer (CoreDNS has
 * one), and the old config stops after the new one starts, so only the config that scheduled it
 * last may stop it.
 */
final class ReloadTimer {
    private static final String NAME = "nodedns-reload-timer";
    private final Shared shared;
    private Periodic timer = new Periodic(NAME, Duration.ZERO, () -> {}); // never started: zero is off
    private Object owner;

    ReloadTimer(Shared shared) {
        this.shared = shared;
    }

    /** Restarts the timer with this period on behalf of {@code newOwner} (one loaded config). */
    synchronized void schedule(Object newOwner, Duration newPeriod) {
        timer.stop();
        owner = newOwner;
        timer = new Periodic(NAME, newPeriod, shared::requestReload);
        timer.start();
    }

    /** Stops the timer unless a newer config already took it over. */
    synchronized void cancel(Object ofOwner) {
        if (ofOwner == owner) {
            timer.stop();
            owner = null;
        }
    }

    synchronized boolean running() {
        return timer.running();
    }
}
