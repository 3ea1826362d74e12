package io.nodedns.plugin.bind;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.nodedns.testing.SetupErrors;
import io.nodedns.testing.SetupParse;
import java.util.List;
import org.junit.jupiter.api.Test;

/** bind's lines parse into its config record (listening is BindTest's). */
class BindSetupTest {
    /** eth9 has two addresses, down0 none; no other interface exists. */
    private static final InterfaceAddresses FAKE = name -> switch (name) {
        case "eth9" -> List.of("10.1.2.3", "fe80::1%eth9");
        case "down0" -> List.of();
        default -> null;
    };

    private static final SetupParse<BindConfig> BIND = SetupParse.each(".", "bind", BindConfig.NONE,
            (d, c) -> BindSetup.parse(d, c, FAKE));

    @Test
    void parsesIntoItsConfig() throws Exception {
        assertEquals(new BindConfig(List.of("127.0.0.1", "::1")), BIND.parse("bind 127.0.0.1 0:0:0:0:0:0:0:1"));
        // interfaces expand; each address once, in the order first named
        assertEquals(new BindConfig(List.of("127.0.0.1", "10.1.2.3", "fe80::1%eth9")),
                BIND.parse("bind 127.0.0.1 eth9\nbind 10.1.2.3 127.0.0.1"));
        // an except applies to its own line only
        assertEquals(new BindConfig(List.of("fe80::1%eth9", "10.1.2.3")),
                BIND.parse("bind eth9 {\n except 10.1.2.3 127.0.0.2\n}\nbind 10.1.2.3"));
        assertEquals(BindConfig.NONE, BIND.parse("bind eth9 {\n except eth9\n}"));
    }

    @Test
    void errorsNameTheirLine() {
        BIND.fails("bind", 2, "Wrong argument count");
        BIND.fails("bind 127.0.0.1\nbind 127.0.0.2 nope0", 3,
                "plugin/bind: not a valid IP address or interface name: 'nope0'");
        BIND.fails("bind down0", 2, "plugin/bind: interface 'down0' has no addresses");
        BIND.fails("bind 127.0.0.1 {\n except\n}", 3, "Wrong argument count");
        BIND.fails("bind 127.0.0.1 {\n only 127.0.0.1\n}", 3,
                "plugin/bind: unknown property 'only'");
        // nothing left after every line: the setup's check, at the first bind line
        SetupErrors.assertFails(".:53 {\n whoami\n bind 127.0.0.1 {\n  except 127.0.0.1\n }\n bind ::1 {\n"
                + "  except ::1\n }\n}\n", 3, "plugin/bind: no address left to listen on after 'except'");
    }
}
