package io.nodedns.plugin.loop;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.nodedns.testing.DnsClient;
import io.nodedns.testing.FreePorts;
import io.nodedns.testing.SetupErrors;
import io.nodedns.testing.TestServer;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;
import org.xbill.DNS.Rcode;
import org.xbill.DNS.Type;

/** loop: syntax, a block that answers its own probe, and a block that forwards to itself. */
class LoopTest {
    @Test
    void takesNoArgumentsAndOnlyOnce() {
        SetupErrors.assertFails(".:53 {\n loop now\n whoami\n}\n", 2, "Wrong argument count");
        SetupErrors.assertFails(".:53 {\n whoami\n loop\n loop\n}\n", 4, "only be used once");
    }

    @Test
    void noLoopWhenTheProbeIsAnswered() throws Exception {
        List<String> loops = new CopyOnWriteArrayList<>();
        int port = FreePorts.udpAndTcp();
        try (TestServer server = TestServer.fromText("example.org:%d {\n bind 127.0.0.1\n loop\n whoami\n}\n".formatted(port),
                TestServer.registry().register("loop", new LoopSetup(loops::add)));
             DnsClient client = new DnsClient("127.0.0.1", port)) {
            Thread.sleep(1500);
            assertEquals(Rcode.NOERROR, client.udp(DnsClient.query("a.example.org", Type.A)).getRcode());
            assertEquals(List.of(), loops);
        }
    }

    @Test
    void forwardingToItselfIsDetected() throws Exception {
        List<String> loops = new CopyOnWriteArrayList<>();
        int port = FreePorts.udpAndTcp();
        try (TestServer server = TestServer.fromText(".:%1$d {\n bind 127.0.0.1\n loop\n forward . 127.0.0.1:%1$d\n}\n".formatted(port),
                TestServer.registry().register("loop", new LoopSetup(loops::add)))) {
            for (int i = 0; i < 50 && loops.isEmpty(); i++) {
                Thread.sleep(100);
            }
        }
        assertTrue(!loops.isEmpty(), "loop reported");
        assertTrue(loops.getFirst().matches("Loop \\(127\\.0\\.0\\.1:\\d+ -> 127\\.0\\.0\\.1:\\d+\\) detected for zone \"\\.\", "
                + "see https://coredns.io/plugins/loop#troubleshooting\\. Query: \"HINFO \\d+\\.\\d+\\.\"") , loops.getFirst());
    }
}
