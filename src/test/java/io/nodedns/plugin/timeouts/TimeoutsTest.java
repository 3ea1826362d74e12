package io.nodedns.plugin.timeouts;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.nodedns.server.Instance;
import io.nodedns.server.ListenerSettings;
import io.nodedns.testing.SetupErrors;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class TimeoutsTest {
    private static ListenerSettings settingsOf(String corefile) throws Exception {
        Instance instance = SetupErrors.build(corefile);
        return instance.plans().values().iterator().next().settings();
    }

    @Test
    void defaultsAreCoreDnsOnes() throws Exception {
        ListenerSettings s = settingsOf(".:53 {\n whoami\n}\n");
        assertEquals(Duration.ofSeconds(3), s.tcpRead());
        assertEquals(Duration.ofSeconds(10), s.tcpIdle());
        assertEquals(Duration.ofSeconds(5), s.tcpWrite());
        assertEquals(-1, s.maxTcpQueries());
        assertEquals(1024, s.maxTcpConnections());
        assertEquals(Runtime.getRuntime().availableProcessors(), s.udpLoops());
    }

    @Test
    void optionsApply() throws Exception {
        ListenerSettings s = settingsOf("""
                .:53 {
                    timeouts {
                        read 30
                        idle 1m
                        write 2s
                        maxtcpqueries 50
                        maxconnections 10
                    }
                    multisocket 3
                    whoami
                }
                """);
        assertEquals(Duration.ofSeconds(30), s.tcpRead());
        assertEquals(Duration.ofMinutes(1), s.tcpIdle());
        assertEquals(Duration.ofSeconds(2), s.tcpWrite());
        assertEquals(50, s.maxTcpQueries());
        assertEquals(10, s.maxTcpConnections());
        assertEquals(3, s.udpLoops());
    }

    @Test
    void parsesIntoTheListenerSettings() throws Exception {
        ListenerSettings d = ListenerSettings.defaults();
        assertEquals(
                new ListenerSettings(d.udpLoops(), Duration.ofSeconds(5), d.tcpIdle(), d.tcpWrite(), -1,
                        d.maxTcpConnections()),
                TimeoutsSetup.parse(
                        SetupErrors.dispenser(".", "timeouts {\n read 5s\n maxtcpqueries -1\n}", "timeouts"), d,
                        false));
    }

    @Test
    void malformed() {
        SetupErrors.assertFails(".:53 {\n timeouts\n}\n", 2, "at least one value");
        SetupErrors.assertFails(".:53 {\n timeouts {\n  read 0\n }\n}\n", 3, "between 1 second and 24 hours");
        SetupErrors.assertFails(".:53 {\n timeouts {\n  read 25h\n }\n}\n", 3, "between 1 second and 24 hours");
        SetupErrors.assertFails(".:53 {\n timeouts {\n  read abc\n }\n}\n", 3, "invalid duration");
        SetupErrors.assertFails(".:53 {\n timeouts {\n  idle\n }\n}\n", 3, "Wrong argument count");
        SetupErrors.assertFails(".:53 {\n timeouts {\n  maxtcpqueries 0\n }\n}\n", 3, "-1 or greater than 0");
        SetupErrors.assertFails(".:53 {\n timeouts {\n  slow 3\n }\n}\n", 3, "unknown option 'slow'");
        SetupErrors.assertFails(".:53 {\n timeouts {\n  read 3 4\n }\n}\n", 3, "Wrong argument count");
        for (String unused : new String[]{"write 2s", "maxtcpqueries 5", "maxconnections 10"}) {
            SetupErrors.assertFails("https://.:8443 {\n timeouts {\n  read 2s\n  " + unused + "\n }\n}\n", 4,
                    "not supported in https:// blocks");
        }
        SetupErrors.assertFails(".:53 {\n multisocket 0\n}\n", 2, "between 1 and 1024");
        SetupErrors.assertFails(".:53 {\n multisocket many\n}\n", 2, "invalid num sockets");
        SetupErrors.assertFails(".:53 {\n multisocket 2 3\n}\n", 2, "Wrong argument count");
    }
}
