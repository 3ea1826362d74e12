package io.nodedns.plugin.ready;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.nodedns.testing.SetupParse;
import org.junit.jupiter.api.Test;

/** ready's options parse into its config record (serving /ready is HealthReadyTest's). */
class ReadySetupTest {
    private static final SetupParse<ReadyConfig> READY = SetupParse.of(".", "ready", ReadySetup::parse);

    @Test
    void parsesIntoItsConfig() throws Exception {
        assertEquals(new ReadyConfig(":8181", false), READY.parse("ready"));
        assertEquals(new ReadyConfig("127.0.0.1:9191", true),
                READY.parse("ready 127.0.0.1:9191 {\n monitor continuously\n}"));
        assertEquals(new ReadyConfig(":8181", false), READY.parse("ready {\n monitor until-ready\n}"));
        READY.fails("ready {\n monitor sometimes\n}", 3, "plugin/ready: monitor must be");
        READY.fails("ready 8181", 2,
                "plugin/ready: invalid listen address '8181': missing port");
    }
}
