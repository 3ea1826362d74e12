package io.nodedns.plugin.forward;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.nodedns.plugin.nodecache.Netns;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A UDP send to an upstream that the kernel refuses: the query's error names the errno. */
class ForwardSendErrorTest {
    @TempDir
    Path dir;

    /**
     * In a network namespace of its own, an iptables rule drops what goes to the upstream's port:
     * the kernel then fails send() with EPERM (nothing leaves), and the errors plugin logs it.
     */
    @Test
    void aSendTheKernelRefusesIsLoggedWithItsErrnoName() throws Exception {
        assumeTrue(Netns.onPath("dig"), "dig is not installed (Debian package dnsutils); skipped");
        try (Netns ns = Netns.create("senderr")) {
            assertEquals(0, ns.exec("iptables", "-w", "5", "-A", "OUTPUT", "-p", "udp", "-d", "127.0.0.1", "--dport",
                    "5399", "-j", "DROP").code());
            Path corefile = Files.writeString(dir.resolve("Corefile"), """
                    .:53 {
                        bind 127.0.0.1
                        errors
                        forward . 127.0.0.1:5399 {
                            max_connect_attempts 1
                        }
                    }
                    """);
            Path log = dir.resolve("log");
            Process p = ns.java(log, "io.nodedns.Main", "-conf", corefile.toString());
            assertTrue(Netns.await(log, "started", p, 60_000), "nodedns started: " + Files.readString(log));
            Netns.Result dig = ns.exec("dig", "@127.0.0.1", "-p", "53", "+tries=1", "+time=5", "example.org", "A");
            assertTrue(dig.out().contains("status: SERVFAIL"), dig.out());
            assertTrue(Netns.await(log, "write: operation not permitted (EPERM)", p, 10_000), Files.readString(log));
            String line = Files.readAllLines(log).stream().filter(l -> l.contains("(EPERM)")).findFirst().orElseThrow();
            assertTrue(line.matches(".*\\[ERROR\\] plugin/errors: 2 example\\.org\\. A: write udp 127\\.0\\.0\\.1:\\d+"
                    + "->127\\.0\\.0\\.1:5399: write: operation not permitted \\(EPERM\\)"), line);
        }
    }
}
