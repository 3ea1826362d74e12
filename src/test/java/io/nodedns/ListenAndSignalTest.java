package io.nodedns;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.nodedns.k8stest.KubeClients;
import io.nodedns.testing.DnsClient;
import io.nodedns.testing.FreePorts;
import io.nodedns.testing.ImageJvm;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.xbill.DNS.Rcode;
import org.xbill.DNS.Type;

/** Issue 21 item 6: listen errors point at the address and the Corefile; signals work from the first answer. */
class ListenAndSignalTest {
    @TempDir
    Path dir;

    private static String runExpectingFailure(Path corefile) {
        MainRun r = MainRun.of("-conf", corefile.toString());
        assertEquals(1, r.code(), r.err());
        return r.err();
    }

    @Test
    void dnsListenErrorNamesAddressPortAndBlock() throws Exception {
        int port = FreePorts.udpAndTcp();
        Path corefile = dir.resolve("Corefile");
        // 192.0.2.1 (TEST-NET-1, RFC 5737) is on no interface here: the bind fails with EADDRNOTAVAIL
        Files.writeString(corefile, """
                example.org:%1$d {
                    whoami
                }
                example.net:%1$d {
                    bind 192.0.2.1
                    whoami
                }
                """.formatted(port));
        String err = runExpectingFailure(corefile);
        assertTrue(err.contains("[FATAL] listen udp 192.0.2.1:" + port + ": "), err);
        assertTrue(err.contains("(server block " + corefile + ":4 example.net:" + port + ")"), err);
    }

    @Test
    void dnsListenErrorForPortInUseNamesTcp() throws Exception {
        int port = FreePorts.udpAndTcp();
        Path corefile = dir.resolve("Corefile");
        Files.writeString(corefile, "example.org:%d {\n    bind 127.0.0.1\n    whoami\n}\n".formatted(port));
        // a TCP listener without SO_REUSEPORT holds the port, so only the TCP bind fails
        try (ServerSocket held = new ServerSocket(port, 1, java.net.InetAddress.getLoopbackAddress())) {
            String err = runExpectingFailure(corefile);
            // the port probe finds it before any bind: the message names the transport, the
            // address and the block
            assertTrue(err.contains(
                    "[FATAL] listen: 127.0.0.1:" + port + " (DNS over TCP) is already served by another socket"), err);
            assertTrue(err.contains("(server block " + corefile + ":1 example.org:" + port + ")"), err);
        }
    }

    @Test
    void httpListenErrorNamesAddressAndDirective() throws Exception {
        int port = FreePorts.udpAndTcp();
        int http = FreePorts.udpAndTcp();
        Path corefile = dir.resolve("Corefile");
        Files.writeString(corefile, """
                example.org:%d {
                    whoami
                    health 192.0.2.1:%d
                }
                """.formatted(port, http));
        String err = runExpectingFailure(corefile);
        assertTrue(err.contains("[FATAL] listen tcp 192.0.2.1:" + http + ": "), err);
        assertTrue(err.contains("(" + corefile + ":3 health)"), err);
    }

    /**
     * With the API server down, kubernetes holds start-up for startup_timeout while other blocks
     * already answer. A SIGTERM in that window must get the graceful stop (exit 0, lame duck) and
     * not the JVM's default (exit 143), which skips lame duck and teardown.
     */
    @Test
    void sigtermWhileStartingStopsGracefully() throws Exception {
        int port = FreePorts.udpAndTcp();
        int deadApi;
        try (ServerSocket s = new ServerSocket(0)) {
            deadApi = s.getLocalPort(); // closed again: connections are refused
        }
        Path kubeconfig = KubeClients.writeKubeconfig(dir.resolve("kubeconfig"), "http://127.0.0.1:" + deadApi,
                "default");
        Path corefile = dir.resolve("Corefile");
        Files.writeString(corefile, """
                example.org:%1$d {
                    whoami
                    health 127.0.0.1:%2$d {
                        lameduck 200ms
                    }
                }
                cluster.local:%1$d {
                    kubernetes {
                        kubeconfig %3$s
                        startup_timeout 8s
                    }
                }
                """.formatted(port, FreePorts.udpAndTcp(), kubeconfig));
        ImageJvm p = ImageJvm.startWithDefaultMemory(dir.resolve("out.log"), "-conf", corefile.toString());
        try (DnsClient client = new DnsClient(port)) {
            assertEquals(Rcode.NOERROR, p.awaitReply(client, DnsClient.query("a.example.org", Type.A),
                    Duration.ofSeconds(30)).getRcode());
            assertTrue(!p.log().contains(" serving " + corefile),
                    "the signal comes while start-up still waits: " + p.log());
        } finally {
            p.process().destroy(); // SIGTERM
        }
        assertTrue(p.waitFor(Duration.ofSeconds(30)), "stopped after SIGTERM");
        String log = p.log();
        assertEquals(0, p.exitValue(), log);
        assertTrue(log.contains("SIGTERM: Shutting down servers then terminating"), log);
    }

    /** Ctrl-C (README) is SIGINT: the stop is as graceful as SIGTERM's and the log names SIGINT, not SIGTERM. */
    @Test
    void sigintStopsGracefullyAndIsNamed() throws Exception {
        int port = FreePorts.udpAndTcp();
        Path corefile = dir.resolve("Corefile");
        Files.writeString(corefile, "example.org:%d {\n    bind 127.0.0.1\n    whoami\n}\n".formatted(port));
        ImageJvm p = ImageJvm.startWithDefaultMemory(dir.resolve("out.log"), "-conf", corefile.toString());
        try (DnsClient client = new DnsClient(port)) {
            assertEquals(Rcode.NOERROR, p.awaitReply(client, DnsClient.query("a.example.org", Type.A),
                    Duration.ofSeconds(30)).getRcode());
            assertEquals(0, new ProcessBuilder("kill", "-INT", Long.toString(p.pid())).start().waitFor());
        } catch (Throwable t) {
            p.process().destroyForcibly();
            throw t;
        }
        assertTrue(p.waitFor(Duration.ofSeconds(30)), "stopped after SIGINT");
        String log = p.log();
        assertEquals(0, p.exitValue(), log);
        assertTrue(log.contains("SIGINT: Shutting down servers then terminating"), log);
    }
}
