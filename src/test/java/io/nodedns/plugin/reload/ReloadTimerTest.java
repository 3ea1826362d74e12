package io.nodedns.plugin.reload;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.nodedns.server.Shared;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class ReloadTimerTest {
    private static final Duration HOUR = Duration.ofHours(1); // never fires during the test

    @Test
    void onlyTheConfigThatScheduledLastStopsTheOneTimer() {
        ReloadTimer timer = new ReloadTimer(new Shared());
        Object oldConfig = new Object();
        Object newConfig = new Object();
        assertFalse(timer.running());
        timer.schedule(oldConfig, HOUR);
        assertTrue(timer.running());
        // A reload starts the new config before it stops the old one.
        timer.schedule(newConfig, HOUR);
        timer.cancel(oldConfig);
        assertTrue(timer.running(), "the old config must not stop the new config's timer");
        timer.cancel(newConfig);
        assertFalse(timer.running(), "a config without reload stops it");
        timer.cancel(newConfig); // stopping twice is harmless
        assertFalse(timer.running());
    }
}
