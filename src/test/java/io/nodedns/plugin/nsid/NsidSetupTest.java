package io.nodedns.plugin.nsid;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.nodedns.testing.SetupErrors;
import org.junit.jupiter.api.Test;

/** nsid's DATA parses into its config record (the option in replies is NsidTest's). */
class NsidSetupTest {
    private static NsidConfig parse(String body) throws Exception {
        return NsidSetup.parse(SetupErrors.dispenser(".", body, "nsid"), "node-7");
    }

    @Test
    void parsesIntoItsConfig() throws Exception {
        assertEquals(new NsidConfig("node-7"), parse("nsid"));
        assertEquals(new NsidConfig("Use The Force"), parse("nsid Use   The Force"));
        assertEquals(new NsidConfig("a b"), parse("nsid \"a b\""));
        assertArrayEquals(new byte[]{'x', (byte) 0xc3, (byte) 0xbc}, parse("nsid xü").bytes());
        assertEquals(NsidSetup.MAX_DATA, parse("nsid " + "x".repeat(NsidSetup.MAX_DATA)).bytes().length);
    }

    @Test
    void errorsNameTheirLine() {
        SetupErrors.assertFails(() -> parse("nsid id {\n more\n}"), 3, "plugin/nsid: takes no block");
        SetupErrors.assertFails(() -> parse("nsid " + "ü".repeat(257)), 2,
                "plugin/nsid: DATA is 514 bytes, at most 512");
    }
}
