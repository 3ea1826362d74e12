package io.nodedns.plugin.nsid;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.nodedns.testing.SetupParse;
import org.junit.jupiter.api.Test;

/** nsid's DATA parses into its config record (the option in replies is NsidTest's). */
class NsidSetupTest {
    private static final SetupParse<NsidConfig> NSID = SetupParse.of(".", "nsid", d -> NsidSetup.parse(d, "node-7"));

    @Test
    void parsesIntoItsConfig() throws Exception {
        assertEquals(new NsidConfig("node-7"), NSID.parse("nsid"));
        assertEquals(new NsidConfig("Use The Force"), NSID.parse("nsid Use   The Force"));
        assertEquals(new NsidConfig("a b"), NSID.parse("nsid \"a b\""));
        assertArrayEquals(new byte[]{'x', (byte) 0xc3, (byte) 0xbc}, NSID.parse("nsid xü").bytes());
        assertEquals(NsidSetup.MAX_DATA, NSID.parse("nsid " + "x".repeat(NsidSetup.MAX_DATA)).bytes().length);
    }

    @Test
    void errorsNameTheirLine() {
        NSID.fails("nsid id {\n more\n}", 3, "plugin/nsid: takes no block");
        NSID.fails("nsid " + "ü".repeat(257), 2,
                "plugin/nsid: DATA is 514 bytes, at most 512");
    }
}
