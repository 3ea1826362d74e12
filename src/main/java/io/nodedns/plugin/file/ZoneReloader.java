package io.nodedns.plugin.file;

import io.nodedns.log.Log;
import io.nodedns.server.Lifecycle;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/** Checks each zone file every {@code reload} interval on one daemon thread per block; stops with the instance. */
final class ZoneReloader implements Lifecycle {
    private final List<ZoneSlot> zones;
    private ScheduledExecutorService timer;

    ZoneReloader(List<ZoneSlot> zones) {
        this.zones = List.copyOf(zones);
    }

    @Override
    public synchronized void start() {
        for (ZoneSlot zone : zones) {
            long nanos = zone.reload.toNanos();
            if (nanos <= 0) {
                continue; // reload 0 disables the check
            }
            if (timer == null) {
                timer = Executors
                        .newSingleThreadScheduledExecutor(Thread.ofPlatform().daemon().name("file-reload").factory());
            }
            timer.scheduleWithFixedDelay(() -> check(zone), nanos, nanos, TimeUnit.NANOSECONDS);
        }
    }

    private static void check(ZoneSlot zone) {
        try {
            zone.reloadIfChanged();
        } catch (RuntimeException e) {
            // a bad file must never end the schedule
            Log.error("file", "Reloading zone \"" + zone.origin + "\": " + e);
        }
    }

    @Override
    public synchronized void stop() {
        if (timer != null) {
            timer.shutdownNow();
            timer = null;
        }
    }
}
