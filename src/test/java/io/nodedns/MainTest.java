package io.nodedns;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.nodedns.testing.DnsClient;
import io.nodedns.testing.FreePorts;
import io.nodedns.testing.ImageJvm;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.DatagramSocket;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.xbill.DNS.Message;
import org.xbill.DNS.Rcode;
import org.xbill.DNS.Type;

/** The command line: flags, exit codes, config errors, and a real process driven by signals. */
class MainTest {
    @TempDir
    Path dir;

    private record Run(int code, String out, String err) {}

    private static Run run(String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int code = Main.run(args, new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8),
                new ByteArrayInputStream(new byte[0]));
        return new Run(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    @Test
    void versionAndPlugins() {
        Run v = run("-version");
        assertEquals(0, v.code());
        assertTrue(v.out().startsWith("nodedns-"), v.out());
        Run p = run("--plugins");
        assertEquals(0, p.code());
        int bind = p.out().indexOf("dns.bind");
        int log = p.out().indexOf("dns.log");
        int whoami = p.out().indexOf("dns.whoami");
        assertTrue(bind > 0 && bind < log && log < whoami, "plugin order printed: " + p.out());
    }

    @Test
    void badFlagsExitTwo() {
        Run r = run("-nope");
        assertEquals(2, r.code());
        assertTrue(r.err().contains("flag provided but not defined: -nope"), r.err());
        assertEquals(2, run("-dns.port").code());
        assertEquals(2, run("-dns.port=99999").code());
        assertEquals(2, run("extra").code());
    }

    @Test
    void configErrorExitsOneWithFileLineAndBindsNothing() throws Exception {
        int port = FreePorts.udpAndTcp();
        Path corefile = dir.resolve("Corefile");
        Files.writeString(corefile, """
                example.org:%1$d {
                    whoami
                }
                example.net:%1$d {
                    whoami
                    forwardd . 127.0.0.1
                }
                """.formatted(port));
        Run r = run("-conf", corefile.toString());
        assertEquals(1, r.code());
        assertTrue(r.err().contains(corefile + ":6 - Error during parsing: Unknown directive 'forwardd'"), r.err());
        try (DatagramSocket udp = new DatagramSocket(port); ServerSocket tcp = new ServerSocket(port)) {
            assertTrue(udp.isBound() && tcp.isBound(), "nothing was left bound");
        }
        Run missing = run("-conf", dir.resolve("nope").toString());
        assertEquals(1, missing.code());
        assertTrue(missing.err().contains("nope"), missing.err());
    }

    /** A real JVM: starts, answers, reloads on SIGUSR1, stops on SIGTERM with exit 0, writes and removes the pidfile. */
    @Test
    void processServesReloadsOnUsr1AndStopsOnTerm() throws Exception {
        int port = FreePorts.udpAndTcp();
        Path corefile = dir.resolve("Corefile");
        Path pidfile = dir.resolve("nodedns.pid");
        Files.writeString(corefile, "example.org:%d {\n    whoami\n}\n".formatted(port));
        ImageJvm p = ImageJvm.startWithDefaultMemory(dir.resolve("out.log"), "-conf", corefile.toString(),
                "-pidfile", pidfile.toString());
        try (DnsClient client = new DnsClient(port)) {
            Message first = null;
            for (int i = 0; i < 100 && first == null; i++) {
                first = client.udp(DnsClient.query("a.example.org", Type.A));
            }
            assertTrue(first != null && first.getRcode() == Rcode.NOERROR, "served after start");
            assertEquals(Long.toString(p.pid()), Files.readString(pidfile).trim());
            assertEquals(Rcode.REFUSED, client.udp(DnsClient.query("a.example.net", Type.A)).getRcode());
            Files.writeString(corefile, "example.org:%1$d example.net:%1$d {\n    whoami\n}\n".formatted(port));
            p.signal("USR1");
            int rcode = Rcode.REFUSED;
            for (int i = 0; i < 50 && rcode != Rcode.NOERROR; i++) {
                Thread.sleep(100);
                rcode = client.udp(DnsClient.query("a.example.net", Type.A)).getRcode();
            }
            assertEquals(Rcode.NOERROR, rcode, "SIGUSR1 reloaded the Corefile");
        } finally {
            p.process().destroy(); // SIGTERM
        }
        assertTrue(p.waitFor(Duration.ofSeconds(15)), "stopped after SIGTERM");
        String log = Files.readString(dir.resolve("out.log"));
        assertEquals(0, p.exitValue(), log);
        assertTrue(log.contains("example.org.:" + port), "startup output lists zones: " + log);
        assertFalse(Files.exists(pidfile), "pidfile removed");
    }
}
