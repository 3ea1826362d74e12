package io.nodedns.plugin.forward;

import static io.nodedns.plugin.forward.ForwardTesting.start;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.nodedns.testing.DnsClient;
import io.nodedns.testing.FreePorts;
import io.nodedns.testing.TestCa;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.xbill.DNS.ARecord;
import org.xbill.DNS.Message;
import org.xbill.DNS.Rcode;
import org.xbill.DNS.Section;
import org.xbill.DNS.Type;

/**
 * Forwarding to a real DoT server: unbound (Debian package unbound) on a loopback port with a
 * certificate from the test CA, answering only its local data (a static root zone: it never
 * recurses, so no query leaves the machine). Skipped when unbound is not installed.
 */
class ForwardUnboundDotTest {
    private static final Path UNBOUND = Path.of("/usr/sbin/unbound");

    @Test
    void answersThroughUnboundsDotAndRefusesAWrongName(@TempDir Path dir) throws Exception {
        Assumptions.assumeTrue(Files.isExecutable(UNBOUND), "unbound is not installed (Debian package unbound)");
        TestCa ca = new TestCa("nodedns unbound test CA");
        Path caPem = ca.writeCa(dir.resolve("ca.crt"));
        Path[] files = ca.issue("dot.test", List.of("dot.test"), List.of()).write(dir, "unbound");
        int port = FreePorts.udpAndTcp();
        Path conf = dir.resolve("unbound.conf");
        Files.writeString(conf, String.join("\n",
                "server:",
                "  interface: 127.0.0.1@" + port,
                "  tls-port: " + port,
                "  tls-service-key: \"" + files[1] + "\"",
                "  tls-service-pem: \"" + files[0] + "\"",
                "  do-daemonize: no",
                "  chroot: \"\"",
                "  username: \"\"",
                "  directory: \"" + dir + "\"",
                "  pidfile: \"\"",
                "  use-syslog: no",
                "  logfile: \"\"",
                "  verbosity: 1",
                "  module-config: \"iterator\"",
                "  do-ip6: no",
                "  access-control: 127.0.0.0/8 allow",
                "  local-zone: \".\" static",
                "  local-data: \"dot.test. 60 IN A 192.0.2.99\"",
                "remote-control:",
                "  control-enable: no",
                ""));
        Process unbound = new ProcessBuilder(UNBOUND.toString(), "-d", "-c", conf.toString())
                .redirectErrorStream(true).redirectOutput(dir.resolve("unbound.log").toFile()).start();
        try {
            awaitListening(port, unbound, dir.resolve("unbound.log"));
            try (var s = start(".:PORT {\n forward . tls://127.0.0.1:" + port + " {\n tls " + caPem
                    + "\n tls_servername dot.test\n }\n}");
                    var wrong = start(".:PORT {\n forward . tls://127.0.0.1:" + port + " {\n tls " + caPem
                            + "\n tls_servername other.test\n max_fails 0\n }\n}")) {
                Message reply = s.udp(DnsClient.query("dot.test", Type.A), 5000);
                assertNotNull(reply);
                assertEquals(Rcode.NOERROR, reply.getRcode(), reply.toString());
                assertEquals("192.0.2.99",
                        ((ARecord) reply.getSection(Section.ANSWER).getFirst()).getAddress().getHostAddress());
                assertEquals(Rcode.NOERROR, s.tcp(DnsClient.query("dot.test", Type.A)).getRcode());
                assertEquals(Rcode.SERVFAIL, wrong.udp(DnsClient.query("dot.test", Type.A), 6000).getRcode());
                assertTrue(wrong.forward().table().get()[0].tcp().handshakeFailures() >= 1);
            }
        } finally {
            unbound.destroy();
            unbound.waitFor(5, TimeUnit.SECONDS);
        }
    }

    private static void awaitListening(int port, Process p, Path log) throws Exception {
        long deadline = System.nanoTime() + 20_000_000_000L;
        while (System.nanoTime() < deadline) {
            if (!p.isAlive()) {
                throw new IllegalStateException("unbound exited: " + Files.readString(log));
            }
            try (Socket s = new Socket()) {
                s.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 200);
                return;
            } catch (IOException e) {
                Thread.sleep(100);
            }
        }
        throw new IllegalStateException("unbound did not listen on " + port + ": " + Files.readString(log));
    }
}
