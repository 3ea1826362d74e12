package io.nodedns.plugin.reload;

import static org.junit.jupiter.api.Assertions.assertTrue;

import io.nodedns.testing.SetupErrors;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class ReloadSetupTest {
    @Test
    void validForms() throws Exception {
        SetupErrors.build(".:53 {\n reload\n whoami\n}\n");
        SetupErrors.build(".:53 {\n reload 10s\n whoami\n}\n");
        SetupErrors.build(".:53 {\n reload 10s 2s\n whoami\n}\n");
        SetupErrors.build(".:53 {\n reload 2s 0\n whoami\n}\n");
    }

    @Test
    void malformed() {
        SetupErrors.assertFails(".:53 {\n reload 1s\n}\n", 2, "interval value must be greater or equal to 2s");
        SetupErrors.assertFails(".:53 {\n reload 10s 500ms\n}\n", 2, "jitter value must be 0 or greater or equal to 1s");
        SetupErrors.assertFails(".:53 {\n reload soon\n}\n", 2, "invalid interval");
        SetupErrors.assertFails(".:53 {\n reload 10s 1s 1s\n}\n", 2, "Wrong argument count");
    }

    @Test
    void jitterStaysWithinHalfEitherSide() {
        for (int i = 0; i < 1000; i++) {
            Duration d = ReloadSetup.withJitter(Duration.ofSeconds(30), Duration.ofSeconds(15));
            assertTrue(d.compareTo(Duration.ofMillis(22_500)) >= 0 && d.compareTo(Duration.ofMillis(37_500)) < 0, d.toString());
        }
    }
}
