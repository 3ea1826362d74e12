package io.nodedns.plugin.reload;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.nodedns.testing.SetupErrors;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class ReloadSetupTest {
    /** Parses the reload directive of {@code .:53 { <body> }}; the directive is on line 2. */
    private static ReloadSetup.ReloadConfig parse(String args) throws Exception {
        return ReloadSetup.parse(SetupErrors.dispenser(".:53", " reload" + args + "\n whoami", "reload"));
    }

    @Test
    void validFormsWithCoreDnsDefaultsAndTheJitterCappedAtHalfTheInterval() throws Exception {
        assertEquals(new ReloadSetup.ReloadConfig(Duration.ofSeconds(30), Duration.ofSeconds(15)), parse(""));
        assertEquals(new ReloadSetup.ReloadConfig(Duration.ofSeconds(10), Duration.ofSeconds(5)), parse(" 10s"),
                "15s default jitter capped at 10s/2");
        assertEquals(new ReloadSetup.ReloadConfig(Duration.ofSeconds(10), Duration.ofSeconds(2)), parse(" 10s 2s"));
        assertEquals(new ReloadSetup.ReloadConfig(Duration.ofSeconds(2), Duration.ZERO), parse(" 2s 0"));
        assertEquals(new ReloadSetup.ReloadConfig(Duration.ofMinutes(1), Duration.ofSeconds(30)), parse(" 1m 45s"),
                "45s capped at 1m/2");
        SetupErrors.build(".:53 {\n reload 10s 2s\n whoami\n}\n");
    }

    @Test
    void malformed() {
        SetupErrors.assertFails(".:53 {\n reload 1s\n}\n", 2, "interval value must be greater or equal to 2s");
        SetupErrors.assertFails(".:53 {\n reload 10s 500ms\n}\n", 2,
                "jitter value must be 0 or greater or equal to 1s");
        SetupErrors.assertFails(".:53 {\n reload soon\n}\n", 2, "invalid interval");
        SetupErrors.assertFails(".:53 {\n reload 10s 1s 1s\n}\n", 2, "Wrong argument count");
    }

    @Test
    void jitterStaysWithinHalfEitherSide() {
        for (int i = 0; i < 1000; i++) {
            Duration d = ReloadSetup.withJitter(Duration.ofSeconds(30), Duration.ofSeconds(15));
            assertTrue(d.compareTo(Duration.ofMillis(22_500)) >= 0 && d.compareTo(Duration.ofMillis(37_500)) < 0,
                    d.toString());
        }
    }
}
