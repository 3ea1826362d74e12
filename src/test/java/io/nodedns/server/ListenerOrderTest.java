package io.nodedns.server;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.nodedns.testing.FreePorts;
import io.nodedns.testing.TestServer;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Issue 22 item 7: the listeners (and so the start-up lines listing them) come in the order the
 * configuration declares them, the same in every run. They came from Map.copyOf, whose iteration
 * order is salted per JVM: six addresses were listed in one of 720 orders.
 */
class ListenerOrderTest {
    @Test
    void listenersKeepTheDeclaredOrder() throws Exception {
        int port = FreePorts.udpAndTcp();
        List<String> hosts = List.of("127.0.0.6", "127.0.0.2", "127.0.0.5", "127.0.0.1", "127.0.0.4", "127.0.0.3");
        String corefile = """
                example.org:%d {
                    bind %s
                    whoami
                }
                """.formatted(port, String.join(" ", hosts));
        try (TestServer server = TestServer.fromText(corefile)) {
            List<String> listed = server.server().listeners().keySet().stream().map(ListenAddress::host).toList();
            assertEquals(hosts, listed);
        }
    }
}
