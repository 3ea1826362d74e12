package io.nodedns.plugin.local;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.nodedns.testing.SetupErrors;
import org.junit.jupiter.api.Test;

/** local's lines parse into its config record (the answers are LocalTest's). */
class LocalSetupTest {
    private static LocalConfig parse(String body) throws Exception {
        return SetupErrors.parseEach(".", body, "local", LocalConfig.DEFAULT, LocalSetup::parse);
    }

    @Test
    void parsesIntoItsConfig() throws Exception {
        assertEquals(new LocalConfig(true), parse("local"));
        assertEquals(new LocalConfig(false), parse("local {\n localhost_prefix off\n}"));
        assertEquals(new LocalConfig(true), parse("local {\n localhost_prefix off\n localhost_prefix on\n}"));
        // a later bare line keeps what an earlier one set
        assertEquals(new LocalConfig(false), parse("local {\n localhost_prefix off\n}\nlocal"));
    }

    @Test
    void errorsNameTheirLine() {
        SetupErrors.assertFails(() -> parse("local extra"), 2, "Wrong argument count");
        SetupErrors.assertFails(() -> parse("local\nlocal {\n localhost_prefix maybe\n}"), 4,
                "plugin/local: localhost_prefix expects 'on' or 'off', got \"maybe\"");
        SetupErrors.assertFails(() -> parse("local {\n localhost_prefix\n}"), 3, "Wrong argument count");
        SetupErrors.assertFails(() -> parse("local {\n localhost_prefix on off\n}"), 3, "Wrong argument count");
        SetupErrors.assertFails(() -> parse("local {\n bogus on\n}"), 3, "plugin/local: unknown property 'bogus'");
    }
}
