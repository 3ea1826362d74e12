package io.nodedns.plugin.local;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.nodedns.testing.SetupParse;
import org.junit.jupiter.api.Test;

/** local's lines parse into its config record (the answers are LocalTest's). */
class LocalSetupTest {
    private static final SetupParse<LocalConfig> LOCAL = SetupParse.each(".", "local", LocalConfig.DEFAULT,
            LocalSetup::parse);

    @Test
    void parsesIntoItsConfig() throws Exception {
        assertEquals(new LocalConfig(true), LOCAL.parse("local"));
        assertEquals(new LocalConfig(false), LOCAL.parse("local {\n localhost_prefix off\n}"));
        assertEquals(new LocalConfig(true), LOCAL.parse("local {\n localhost_prefix off\n localhost_prefix on\n}"));
        // a later bare line keeps what an earlier one set
        assertEquals(new LocalConfig(false), LOCAL.parse("local {\n localhost_prefix off\n}\nlocal"));
    }

    @Test
    void errorsNameTheirLine() {
        LOCAL.fails("local extra", 2, "Wrong argument count");
        LOCAL.fails("local\nlocal {\n localhost_prefix maybe\n}", 4,
                "plugin/local: localhost_prefix expects 'on' or 'off', got \"maybe\"");
        LOCAL.fails("local {\n localhost_prefix\n}", 3, "Wrong argument count");
        LOCAL.fails("local {\n localhost_prefix on off\n}", 3, "Wrong argument count");
        LOCAL.fails("local {\n bogus on\n}", 3, "plugin/local: unknown property 'bogus'");
    }
}
