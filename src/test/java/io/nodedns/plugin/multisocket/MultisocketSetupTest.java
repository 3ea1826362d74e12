package io.nodedns.plugin.multisocket;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.nodedns.server.ListenerSettings;
import io.nodedns.testing.SetupParse;
import org.junit.jupiter.api.Test;

/** multisocket's argument parses into the number of UDP loops (TimeoutsTest checks it reaches the listener). */
class MultisocketSetupTest {
    private static final SetupParse<Integer> MULTISOCKET = SetupParse.of(".", "multisocket", MultisocketSetup::parse);

    @Test
    void parsesTheNumberOfLoops() throws Exception {
        assertEquals(ListenerSettings.defaultLoops(), MULTISOCKET.parse("multisocket"));
        assertEquals(1, MULTISOCKET.parse("multisocket 1"));
        assertEquals(MultisocketSetup.MAX, MULTISOCKET.parse("multisocket 1024"));
        MULTISOCKET.fails("multisocket 1025", 2,
                "plugin/multisocket: num sockets must be between 1 and 1024, got 1025");
        MULTISOCKET.fails("multisocket {\n x\n}", 3, "plugin/multisocket: takes no block");
    }
}
