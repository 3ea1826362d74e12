package io.nodedns.plugin.loop;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.nodedns.server.Handler;
import io.nodedns.testing.DnsClient;
import io.nodedns.testing.FakeUpstream;
import io.nodedns.testing.FreePorts;
import io.nodedns.testing.ImageJvm;
import io.nodedns.testing.SetupErrors;
import io.nodedns.testing.TestServer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.xbill.DNS.Type;

/** The loop plugin: a real process forwarding to itself exits with CoreDNS's message; no false alarms. */
class LoopTest {
    @TempDir
    Path dir;

    @Test
    @Timeout(30)
    void aCorefileThatForwardsToItselfStopsTheProcess() throws Exception {
        int port = FreePorts.udpAndTcp();
        Path corefile = dir.resolve("Corefile");
        Files.writeString(corefile,
                ".:%1$d {\n    bind 127.0.0.1\n    loop\n    forward . 127.0.0.1:%1$d\n}\n".formatted(port));
        long t0 = System.nanoTime();
        ImageJvm p = ImageJvm.startWithDefaultMemory(dir.resolve("out.log"), "-conf", corefile.toString());
        boolean exited = p.waitFor(Duration.ofSeconds(20));
        long ms = (System.nanoTime() - t0) / 1_000_000;
        if (!exited) {
            p.process().destroyForcibly();
        }
        String log = Files.readString(dir.resolve("out.log"));
        assertTrue(exited, "the process did not stop: " + log);
        assertEquals(1, p.exitValue(), log);
        Pattern fatal = Pattern.compile("\\[FATAL] plugin/loop: Loop \\(127\\.0\\.0\\.1:\\d+ -> 127\\.0\\.0\\.1:" + port
                + "\\) detected for zone \"\\.\", see https://coredns\\.io/plugins/loop#troubleshooting\\."
                + " Query: \"HINFO \\d+\\.\\d+\\.\"");
        assertTrue(fatal.matcher(log).find(), "CoreDNS's message: " + log);
        System.out.printf("[TEST] forwarding loop: process exited 1 after %d ms (JVM start included)%n", ms);
        assertTrue(ms < 5000, "exits within 5 s: " + ms + " ms");
    }

    @Test
    @Timeout(30)
    void noLoopWhenTheProbeIsAnsweredAndDetectionThenSwitchesOff() throws Exception {
        try (FakeUpstream up = FakeUpstream.start()) {
            int port = FreePorts.udpAndTcp();
            try (TestServer server = TestServer.fromText(".:" + port + " {\n bind 127.0.0.1\n loop\n forward . "
                    + up.hostPort() + "\n}\n")) {
                LoopHandler loop = detector(server);
                long deadline = System.nanoTime() + 5_000_000_000L;
                while (loop.active() && System.nanoTime() < deadline) {
                    Thread.sleep(10);
                }
                assertFalse(loop.active(), "detection stops after one successful probe");
                assertEquals(1, up.count(q -> q.type() == Type.HINFO), "one probe went upstream");
                try (DnsClient client = new DnsClient(port)) {
                    for (int i = 0; i < 5; i++) {
                        client.udp(DnsClient.query(loop.probeName(), Type.HINFO));
                    }
                }
                assertEquals(List.of(), server.fatalMessages());
            }
        }
    }

    @Test
    @Timeout(30)
    void aProbeSeenTwiceIsNotALoopTheThirdSightingIs() throws Exception {
        try (FakeUpstream up = FakeUpstream.start()) {
            up.behaviour((q, out) -> {}); // silent: the probe stays unanswered and detection active
            int port = FreePorts.udpAndTcp();
            try (TestServer server = TestServer.fromText(".:" + port + " {\n bind 127.0.0.1\n loop\n forward . "
                    + up.hostPort() + "\n}\n")) {
                LoopHandler loop = detector(server);
                up.await(q -> q.type() == Type.HINFO, 1, 2000); // the server's own probe: sighting 1
                try (DnsClient client = new DnsClient(port)) {
                    client.udpExpectSilence(DnsClient.query(loop.probeName(), Type.HINFO).toWire(), 100); // 2
                    assertEquals(List.of(), server.fatalMessages(), "two sightings are no loop");
                    client.udpExpectSilence(DnsClient.query(loop.probeName(), Type.HINFO).toWire(), 100); // 3
                }
                assertEquals(1, server.fatalMessages().size(), server.fatalMessages().toString());
                assertTrue(server.fatalMessages().getFirst().startsWith("plugin/loop: Loop (127.0.0.1:"),
                        server.fatalMessages().toString());
            }
        }
    }

    @Test
    void takesNoArgumentsAndOnlyOncePerBlock() {
        SetupErrors.assertFails(".:1053 {\n loop extra\n}\n", 2, "Wrong argument count");
        SetupErrors.assertFails(".:1053 {\n loop\n loop\n}\n", 3, "loop");
    }

    static LoopHandler detector(TestServer server) {
        for (Handler h : server.server().current().configs().getFirst().handlers()) {
            if (h instanceof LoopHandler d) {
                return d;
            }
        }
        throw new AssertionError("no loop handler");
    }
}
