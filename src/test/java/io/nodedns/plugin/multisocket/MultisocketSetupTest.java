package io.nodedns.plugin.multisocket;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.nodedns.server.ListenerSettings;
import io.nodedns.testing.SetupErrors;
import org.junit.jupiter.api.Test;

/** multisocket's argument parses into the number of UDP loops (TimeoutsTest checks it reaches the listener). */
class MultisocketSetupTest {
    private static int parse(String body) throws Exception {
        return MultisocketSetup.parse(SetupErrors.dispenser(".", body, "multisocket"));
    }

    @Test
    void parsesTheNumberOfLoops() throws Exception {
        assertEquals(ListenerSettings.defaultLoops(), parse("multisocket"));
        assertEquals(1, parse("multisocket 1"));
        assertEquals(MultisocketSetup.MAX, parse("multisocket 1024"));
        SetupErrors.assertFails(() -> parse("multisocket 1025"), 2,
                "plugin/multisocket: num sockets must be between 1 and 1024, got 1025");
        SetupErrors.assertFails(() -> parse("multisocket {\n x\n}"), 3, "plugin/multisocket: takes no block");
    }
}
