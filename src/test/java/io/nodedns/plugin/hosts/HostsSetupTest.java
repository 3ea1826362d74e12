package io.nodedns.plugin.hosts;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.nodedns.config.Fallthrough;
import io.nodedns.testing.SetupErrors;
import io.nodedns.testing.SetupParse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/** CoreDNS plugin/hosts syntax: every option, valid and invalid, with the error's file:line. */
class HostsSetupTest {
    private static final SetupParse<HostsConfig> HOSTS = SetupParse.of("example.org", "hosts",
            d -> HostsSetup.parse(d, List.of("example.org.")));

    @Test
    void defaults() throws Exception {
        for (String body : List.of("hosts", "hosts {\n}", "hosts {}")) {
            HostsConfig c = HOSTS.parse(body);
            assertEquals(Path.of("/etc/hosts"), c.file());
            assertEquals(List.of("example.org."), c.origins(), "the block's zones");
            assertEquals(3600, c.ttl());
            assertTrue(c.autoReverse());
            assertEquals(Duration.ofSeconds(5), c.reload());
            assertEquals(Fallthrough.NEVER, c.fallthrough());
            assertFalse(c.fallthroughUnsupported());
            assertEquals(List.of(), c.inline());
        }
    }

    @Test
    void fileAndZones() throws Exception {
        HostsConfig c = HOSTS.parse("hosts /nonexistent/hosts Example.NET 10.0.0.0/24");
        assertEquals(Path.of("/nonexistent/hosts"), c.file());
        assertEquals(List.of("example.net.", "0.0.10.in-addr.arpa."), c.origins());
        assertEquals(List.of("example.org."), HOSTS.parse("hosts /nonexistent/hosts").origins());
    }

    @Test
    void everyOption() throws Exception {
        HostsConfig c = HOSTS.parse("""
                hosts /nonexistent {
                    10.0.0.1 a.example.org b.example.org
                    ::1 c.example.org
                    ttl 60
                    no_reverse
                    reload 1m30s
                    fallthrough example.org
                    fallthrough_unsupported
                }""");
        assertEquals(List.of("10.0.0.1 a.example.org b.example.org", "::1 c.example.org"), c.inline());
        assertEquals(60, c.ttl());
        assertFalse(c.autoReverse());
        assertEquals(Duration.ofSeconds(90), c.reload());
        assertEquals(List.of("example.org."), c.fallthrough().zones());
        assertTrue(c.fallthroughUnsupported());
        assertEquals(Fallthrough.ALWAYS, HOSTS.parse("hosts {\n fallthrough\n}").fallthrough());
        assertEquals(Duration.ZERO, HOSTS.parse("hosts {\n reload 0\n}").reload());
        assertEquals(65535, HOSTS.parse("hosts {\n ttl 65535\n}").ttl());
        assertEquals(1, HOSTS.parse("hosts {\n ttl 1\n}").ttl());
    }

    @Test
    void malformedLines() {
        HOSTS.fails("hosts {\n ttl\n}", 3, "ttl needs a time in second");
        HOSTS.fails("hosts {\n ttl abc\n}", 3, "ttl needs a number of second");
        HOSTS.fails("hosts {\n ttl 0\n}", 3, "ttl provided is invalid");
        HOSTS.fails("hosts {\n\n ttl 65536\n}", 4, "ttl provided is invalid");
        HOSTS.fails("hosts {\n reload\n}", 3, "reload needs a duration");
        HOSTS.fails("hosts {\n reload 1s 2s\n}", 3, "reload needs a duration");
        HOSTS.fails("hosts {\n reload 5\n}", 3,
                "invalid duration for reload '5': time: missing unit in duration \"5\"");
        HOSTS.fails("hosts {\n reload -1s\n}", 3, "invalid negative duration for reload '-1s'");
        HOSTS.fails("hosts {\n no_reverse yes\n}", 3, "Wrong argument count");
        HOSTS.fails("hosts {\n fallthrough_unsupported now\n}", 3, "Wrong argument count");
        HOSTS.fails("hosts {\n fallthrough_unsupported\n}", 3, "fallthrough_unsupported requires fallthrough");
        HOSTS.fails("hosts {\n fallthrough\n 10.0.0.1 late.example.org\n}", 4, "unknown property '10.0.0.1'");
        HOSTS.fails("hosts {\n 10.0.0.1 x.example.org {\n }\n}", 3, "unexpected block");
        HOSTS.fails("hosts /x bad..zone\n", 2, "");
    }

    @Test
    void oncePerBlockAndRegistered() {
        SetupErrors.assertFails("example.org:53 {\n hosts /nonexistent\n hosts /nonexistent\n}\n", 3,
                "can only be used once per Server Block");
    }

    @Test
    void aHostsFileThatIsNotTextFailsAtItsLine(@org.junit.jupiter.api.io.TempDir Path dir) throws Exception {
        Path hosts = dir.resolve("hosts");
        java.nio.file.Files.write(hosts, "10.0.0.1 a.example.org\n10.0.0.2 b.example.org\0\n".getBytes(
                java.nio.charset.StandardCharsets.US_ASCII));
        SetupErrors.assertFailsIn(hosts.toString(), () -> SetupErrors.build("example.org {\n hosts " + hosts + "\n}\n"),
                2, "not text: NUL byte");
    }
}
