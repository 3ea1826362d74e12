package io.nodedns.plugin.loop;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.nodedns.config.ServerKey;
import io.nodedns.testing.SetupErrors;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.List;
import org.junit.jupiter.api.Test;

/** loop's setup makes its probe target into its config record (detection is LoopTest's). */
class LoopSetupTest {
    private static LoopConfig parse(String zone, String body, List<String> boundHosts) throws Exception {
        var directive = SetupErrors.directive(zone, body, "loop");
        ServerKey key = ServerKey.parse(directive.nameToken().withText(zone), 53).getFirst();
        return LoopSetup.parse(directive.dispenser(), key, boundHosts);
    }

    @Test
    void probesTheFirstBoundAddressOrLoopback() throws Exception {
        InetAddress loopback = InetAddress.getLoopbackAddress();
        assertEquals(new LoopConfig(".", new InetSocketAddress(loopback, 1053)), parse(".:1053", "loop", List.of()));
        assertEquals(new LoopConfig("example.org.", new InetSocketAddress("127.0.0.53", 53)),
                parse("example.org", "loop", List.of("127.0.0.53", "127.0.0.54")));
        assertEquals(new LoopConfig(".", new InetSocketAddress(loopback, 53)), parse(".", "loop", List.of("::")));
        assertEquals(new LoopConfig(".", new InetSocketAddress("fe80::1", 53)),
                parse(".", "loop", List.of("fe80::1%eth0")));
    }

    @Test
    void takesNoArguments() {
        SetupErrors.assertFails(() -> parse(".", "loop extra", List.of()), 2, "Wrong argument count");
    }
}
