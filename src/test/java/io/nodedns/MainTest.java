package io.nodedns;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.nodedns.server.ConfigSource;
import io.nodedns.testing.DnsClient;
import io.nodedns.testing.FreePorts;
import io.nodedns.testing.ImageJvm;
import io.nodedns.testing.Unmeasured;
import java.net.DatagramSocket;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.xbill.DNS.Message;
import org.xbill.DNS.Rcode;
import org.xbill.DNS.Type;

/** The command line: flags, exit codes, config errors, and a real process driven by signals. */
@Unmeasured
class MainTest {
    @TempDir
    Path dir;

    @Test
    void versionAndPlugins() {
        MainRun v = MainRun.of("-version");
        assertEquals(0, v.code());
        assertTrue(v.out().startsWith("nodedns-"), v.out());
        MainRun p = MainRun.of("--plugins");
        assertEquals(0, p.code());
        int bind = p.out().indexOf("dns.bind");
        int log = p.out().indexOf("dns.log");
        int whoami = p.out().indexOf("dns.whoami");
        assertTrue(bind > 0 && bind < log && log < whoami, "plugin order printed: " + p.out());
    }

    @Test
    void badFlagsExitTwo() {
        MainRun r = MainRun.of("-nope");
        assertEquals(2, r.code());
        assertTrue(r.err().contains("flag provided but not defined: -nope"), r.err());
        assertEquals(2, MainRun.of("-dns.port").code());
        assertEquals(2, MainRun.of("-dns.port=99999").code());
        assertEquals(2, MainRun.of("extra").code());
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
        MainRun r = MainRun.of("-conf", corefile.toString());
        assertEquals(1, r.code());
        assertTrue(r.err().contains(corefile + ":6 - Error during parsing: Unknown directive 'forwardd'"), r.err());
        // A socket bound without SO_REUSEPORT cannot share the port with one nodedns left open, so
        // the constructors throw BindException if the failed start leaked a listener.
        try (DatagramSocket udp = new DatagramSocket(port); ServerSocket tcp = new ServerSocket(port)) {
            assertEquals(port, udp.getLocalPort());
            assertEquals(port, tcp.getLocalPort());
        } catch (java.net.BindException e) {
            fail("the failed start left port " + port + " bound: " + e);
        }
        MainRun missing = MainRun.of("-conf", dir.resolve("nope").toString());
        assertEquals(1, missing.code());
        assertTrue(missing.err().contains("nope"), missing.err());
    }

    /** Issue 22 item 5: an empty Corefile (or one of comments only) serves nothing, so it does not start. */
    @Test
    void emptyCorefileIsAnError() throws Exception {
        for (String text : new String[]{"", "# only a comment\n\n"}) {
            Path corefile = dir.resolve("Corefile");
            Files.writeString(corefile, text);
            MainRun r = MainRun.of("-conf", corefile.toString());
            assertEquals(1, r.code(), r.out());
            assertTrue(r.err().contains(corefile + ":1 - Error during parsing: no server block: the Corefile is empty"),
                    r.err());
            assertFalse(r.out().contains("started"), r.out());
        }
    }

    /** Issue 22 item 6: each of these errors names its cause, not just the token it ended at. */
    @Test
    void errorsNameTheirCause() throws Exception {
        int port = FreePorts.udpAndTcp();
        Path corefile = dir.resolve("Corefile");
        Files.writeString(corefile,
                "example.org:%d {\n    forward . {$NODEDNS_TEST_SURELY_UNSET}\n}\n".formatted(port));
        MainRun unset = MainRun.of("-conf", corefile.toString());
        assertEquals(1, unset.code());
        assertTrue(unset.err().contains(corefile + ":2 - ") && unset.err().contains(
                "(the environment variable NODEDNS_TEST_SURELY_UNSET in {$...} is not set, so it became \"\")"),
                unset.err());

        Path absent = dir.resolve("absent.kubeconfig");
        Files.writeString(corefile, ("example.org:%d {\n    kubeforward {\n        namespace kube-system\n"
                + "        service_name kube-dns\n        kubeconfig %s\n    }\n}\n").formatted(port, absent));
        MainRun kube = MainRun.of("-conf", corefile.toString());
        assertEquals(1, kube.code());
        assertTrue(kube.err().contains("plugin/kubeforward: kubeconfig " + absent + " does not exist"), kube.err());

        Files.writeString(corefile, "example.org:%d {\n    whoami\n}}\n".formatted(port));
        MainRun braces = MainRun.of("-conf", corefile.toString());
        assertEquals(1, braces.code());
        assertTrue(
                braces.err().contains(corefile + ":3 - Error during parsing: '}}' is not a directive: braces must stand"
                        + " alone, separated by spaces or line breaks; a block ends with one '}' on a line of its own"),
                braces.err());
    }

    /** Issue 22 item 1: the first start-up line says which configuration was loaded and why that one. */
    @Test
    void startupSaysWhichConfigurationAndWhy() {
        ConfigSource.TextSource builtIn = new ConfigSource.TextSource("<built-in default>", DefaultConfig.text(1053));
        assertEquals("the built-in default configuration (no -conf and no ./Corefile)",
                Main.describe(Flags.parse(new String[0]), builtIn));
        assertEquals(
                "./Corefile (found in the working directory, so it replaces the built-in default; -conf FILE to choose)",
                Main.describe(Flags.parse(new String[0]), new ConfigSource.FileSource(Path.of("Corefile"))));
        assertEquals("/etc/my.Corefile", Main.describe(Flags.parse(new String[]{"-conf", "/etc/my.Corefile"}),
                new ConfigSource.FileSource(Path.of("/etc/my.Corefile"))));
    }

    /** A real JVM: starts, answers, reloads on SIGUSR1, stops on SIGTERM with exit 0, writes and removes the pidfile. */
    @Test
    void processServesReloadsOnUsr1AndStopsOnTerm() throws Exception {
        int port = FreePorts.udpAndTcp();
        int health = FreePorts.udpAndTcp();
        int silent = FreePorts.udpAndTcp(); // an upstream nobody answers on: only listed, never asked
        Path corefile = dir.resolve("Corefile");
        Path pidfile = dir.resolve("nodedns.pid");
        String text = ("example.org:%1$d {\n    whoami\n    health 127.0.0.1:%2$d\n}\n"
                + "example.net:%1$d {\n    forward . 127.0.0.1:%3$d\n}\n").formatted(port, health, silent);
        Files.writeString(corefile, text);
        ImageJvm p = ImageJvm.startWithDefaultMemory(dir.resolve("out.log"), "-conf", corefile.toString(),
                "-pidfile", pidfile.toString());
        try (DnsClient client = new DnsClient(port)) {
            Message first = null;
            for (int i = 0; i < 100 && first == null; i++) {
                first = client.udp(DnsClient.query("a.example.org", Type.A));
            }
            assertTrue(first != null && first.getRcode() == Rcode.NOERROR, "served after start");
            String log = Files.readString(dir.resolve("out.log"));
            for (int i = 0; i < 100 && !log.contains(" started"); i++) { // pidfile and listing follow the first answer
                Thread.sleep(50);
                log = Files.readString(dir.resolve("out.log"));
            }
            assertEquals(Long.toString(p.pid()), Files.readString(pidfile).trim());
            String started = digestLine(log, "[INFO] loaded " + corefile + ", configuration SHA512 = ");
            assertTrue(log.contains("http 127.0.0.1:" + health + "/health\n"), "start-up lists HTTP endpoints: " + log);
            assertTrue(log.contains("forward . to 127.0.0.1:" + silent + "\n"), "start-up lists upstreams: " + log);
            assertTrue(log.indexOf("example.org.:" + port) < log.indexOf("example.net.:" + port),
                    "declared order: " + log);

            // Issue 22 item 4: a second nodedns on the same addresses is refused, naming the address
            MainRun second = MainRun.of("-conf", corefile.toString());
            assertEquals(1, second.code());
            assertTrue(
                    second.err().contains(
                            "[FATAL] listen: :" + port + " (DNS over UDP) is already served by another socket"),
                    second.err());

            // Issue 22 item 5: SIGUSR1 with the file unchanged says so, with the digest that still serves
            p.signal("USR1");
            String unchanged = null;
            for (int i = 0; i < 100 && unchanged == null; i++) {
                Thread.sleep(50);
                unchanged = Files.readString(dir.resolve("out.log")).lines()
                        .filter(l -> l.startsWith("[INFO] plugin/reload: " + corefile + " unchanged")).findFirst()
                        .orElse(null);
            }
            assertEquals(
                    "[INFO] plugin/reload: " + corefile + " unchanged, configuration SHA512 = " + started
                            + "; nothing reloaded",
                    unchanged);
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
        String reloaded = digestLine(log, "[INFO] plugin/reload: Running configuration SHA512 = ");
        assertFalse(reloaded.equals(digestLine(log, "[INFO] loaded " + corefile + ", configuration SHA512 = ")), log);
        assertFalse(Files.exists(pidfile), "pidfile removed");
    }

    private static String digestLine(String log, String prefix) {
        String line = log.lines().filter(l -> l.startsWith(prefix)).findFirst().orElse(null);
        assertTrue(line != null && line.substring(prefix.length()).matches("[0-9a-f]{128}"), prefix + " in: " + log);
        return line.substring(prefix.length());
    }
}
