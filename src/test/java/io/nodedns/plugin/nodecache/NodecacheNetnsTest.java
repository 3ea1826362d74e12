package io.nodedns.plugin.nodecache;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Acceptance for nodecache as root, each test in its own network namespace with real nodedns JVMs,
 * real iptables and a DNS client inside the namespace. The kernel here has no dummy link type, so
 * the namespace's {@code lo} is the existing interface that receives 169.254.20.10 (the dummy
 * commands are checked as issued in {@link NodeNetworkTest}). Figures are printed as [TEST] lines.
 */
class NodecacheNetnsTest {
    private static final String IP = "169.254.20.10";
    private static final long SYNC_MS = 1000;

    @TempDir
    Path dir;

    /** node-cache's 12 rules for 169.254.20.10 exactly as iptables-save prints them (spec nodelocal 1.4). */
    static List<String> expectedRules() {
        String skip = " -m comment --comment \"NodeLocal DNS Cache: skip conntrack\" -j NOTRACK";
        String allow = " -m comment --comment \"NodeLocal DNS Cache: allow DNS traffic\" -j ACCEPT";
        List<String> rules = new ArrayList<>();
        for (String p : List.of("tcp", "udp")) {
            rules.add("-A PREROUTING -d " + IP + "/32 -p " + p + " -m " + p + " --dport 53" + skip);
            rules.add("-A INPUT -d " + IP + "/32 -p " + p + " -m " + p + " --dport 53" + allow);
            rules.add("-A OUTPUT -s " + IP + "/32 -p " + p + " -m " + p + " --sport 53" + skip);
            rules.add("-A OUTPUT -s " + IP + "/32 -p " + p + " -m " + p + " --sport 53" + allow);
            rules.add("-A OUTPUT -d " + IP + "/32 -p " + p + " -m " + p + " --dport 53" + skip);
        }
        rules.add("-A OUTPUT -d " + IP + "/32 -p tcp -m tcp --dport 8080" + skip);
        rules.add("-A OUTPUT -s " + IP + "/32 -p tcp -m tcp --sport 8080" + skip);
        return sorted(rules);
    }

    private static List<String> sorted(List<String> lines) {
        List<String> copy = new ArrayList<>(lines);
        copy.sort(null);
        return copy;
    }

    private Path corefile(String name, String nodecacheArgs) throws Exception {
        Path file = dir.resolve(name);
        Files.writeString(file, """
                .:53 {
                    bind %s
                    nodecache %s {
                        interface lo
                        syncinterval %dms
                        lockdir %s
                    }
                    health %s:8080
                    whoami
                }
                """.formatted(IP, nodecacheArgs, SYNC_MS, dir.resolve("locks"), IP));
        return file;
    }

    private Process start(Netns ns, Path corefile, String log) throws Exception {
        Path logFile = dir.resolve(log);
        // -ha: some tests run two instances on the same addresses on purpose (the HA pair)
        Process p = ns.java(logFile, "io.nodedns.Main", "-conf", corefile.toString(), "-ha");
        assertTrue(Netns.await(logFile, "started", p, 60_000), "nodedns started: " + read(logFile));
        return p;
    }

    private String read(Path file) throws Exception {
        return Files.exists(file) ? Files.readString(file) : "(no output)";
    }

    private boolean addressOnLo(Netns ns) throws Exception {
        return ns.exec("ip", "-o", "addr", "show", "dev", "lo").out().contains(IP + "/32");
    }

    private String query(Netns ns, int qps, double seconds) throws Exception {
        Path log = dir.resolve("client-" + System.nanoTime() + ".log");
        Process client = ns.java(log, NsClient.class.getName(), IP, "53", Integer.toString(qps),
                Double.toString(seconds));
        assertTrue(client.waitFor(120, TimeUnit.SECONDS), "client finished");
        return read(log).strip();
    }

    private static long field(String report, String name) {
        Matcher m = Pattern.compile(name + "=(\\d+)").matcher(report);
        assertTrue(m.find(), name + " in '" + report + "'");
        return Long.parseLong(m.group(1));
    }

    /** Packets counted by the NOTRACK rules (iptables-save -c). */
    private static long notrackPackets(Netns ns) throws Exception {
        long sum = 0;
        Matcher m = Pattern.compile("^\\[(\\d+):\\d+\\] -A .*skip conntrack.*$", Pattern.MULTILINE)
                .matcher(ns.exec("iptables-save", "-c", "-t", "raw").out());
        while (m.find()) {
            sum += Long.parseLong(m.group(1));
        }
        return sum;
    }

    private static void signal(Process p, String name) throws Exception {
        // p is "ip netns exec ... java": ip execs java, so the pid is the JVM's.
        assertEquals(0, new ProcessBuilder("kill", "-" + name, Long.toString(p.pid())).start().waitFor());
    }

    @Test
    void takesOverTheAddressServesRestoresRulesSurvivesReloadAndTearsDown() throws Exception {
        try (Netns ns = Netns.create("main")) {
            Path conf = corefile("Corefile", "");
            long t0 = System.nanoTime();
            Process server = start(ns, conf, "server.log");
            System.out.printf("[TEST] nodecache start to serving (JVM start, link, bind, rules): %d ms%n",
                    (System.nanoTime() - t0) / 1_000_000);
            assertEquals(expectedRules(), sorted(ns.nodecacheRules()),
                    "iptables-save shows exactly node-cache's rules");
            assertTrue(addressOnLo(ns), "169.254.20.10/32 is on the link");
            System.out.println("[TEST] iptables-save: exactly node-cache's 12 rules for " + IP + "; address on lo");

            long before = notrackPackets(ns);
            String report = query(ns, 200, 1.0);
            long after = notrackPackets(ns);
            System.out.println("[TEST] client in the namespace -> " + IP + ":53: " + report);
            assertEquals(field(report, "sent"), field(report, "answered"), report);
            assertTrue(after - before >= 2 * field(report, "sent"),
                    "NOTRACK counters rose: " + before + " -> " + after);
            System.out.printf("[TEST] NOTRACK packet counters: %d -> %d (+%d for %d queries)%n", before, after,
                    after - before,
                    field(report, "sent"));

            // A rule deleted by hand is back within one syncinterval.
            assertEquals(0,
                    ns.exec("iptables", "-w", "5", "-t", "raw", "-D", "PREROUTING", "-p", "udp", "-d", IP, "--dport",
                            "53",
                            "-j", "NOTRACK", "-m", "comment", "--comment", "NodeLocal DNS Cache: skip conntrack")
                            .code());
            long deleted = System.nanoTime();
            assertEquals(11, ns.nodecacheRules().size());
            long restoredMs = -1;
            while ((System.nanoTime() - deleted) / 1_000_000 < 5 * SYNC_MS) {
                if (ns.nodecacheRules().size() == 12) {
                    restoredMs = (System.nanoTime() - deleted) / 1_000_000;
                    break;
                }
                Thread.sleep(20);
            }
            System.out.printf("[TEST] deleted rule restored after %d ms (syncinterval %d ms)%n", restoredMs, SYNC_MS);
            assertTrue(restoredMs >= 0 && restoredMs <= SYNC_MS + 300,
                    "restored within one syncinterval: " + restoredMs);
            assertEquals(expectedRules(), sorted(ns.nodecacheRules()));

            // A reload leaves rules and address alone (sampled every 20 ms through the reload).
            Files.writeString(conf, Files.readString(conf).replace("whoami", "whoami\n    errors"));
            signal(server, "USR1");
            int minRules = 12;
            boolean addressKept = true;
            long until = System.nanoTime() + 3_000_000_000L;
            while (System.nanoTime() < until) {
                minRules = Math.min(minRules, ns.nodecacheRules().size());
                addressKept &= addressOnLo(ns);
                Thread.sleep(20);
            }
            assertTrue(Files.readString(dir.resolve("server.log")).contains("Running configuration SHA512"),
                    "reloaded");
            System.out.println("[TEST] reload: fewest nodecache rules seen during 3 s = " + minRules
                    + ", address kept = " + addressKept);
            assertEquals(12, minRules);
            assertTrue(addressKept);

            // SIGTERM removes rules and address.
            signal(server, "TERM");
            assertTrue(server.waitFor(30, TimeUnit.SECONDS), "stopped");
            assertEquals(0, server.exitValue(), read(dir.resolve("server.log")));
            List<String> left = ns.nodecacheRules();
            System.out.println(
                    "[TEST] after SIGTERM: rules left = " + left.size() + ", address on lo = " + addressOnLo(ns));
            assertEquals(List.of(), left);
            assertFalse(addressOnLo(ns));
        }
    }

    @Test
    void skipteardownLeavesRulesAndAddressAtExit() throws Exception {
        try (Netns ns = Netns.create("skip")) {
            Process server = start(ns, corefile("Corefile", "skipteardown"), "server.log");
            signal(server, "TERM");
            assertTrue(server.waitFor(30, TimeUnit.SECONDS));
            assertEquals(0, server.exitValue());
            System.out.println("[TEST] skipteardown, after SIGTERM: rules left = " + ns.nodecacheRules().size()
                    + ", address on lo = " + addressOnLo(ns));
            assertEquals(expectedRules(), sorted(ns.nodecacheRules()));
            assertTrue(addressOnLo(ns));
        }
    }

    @Test
    void restartOverRulesLeftByAKilledInstanceAddsNoDuplicates() throws Exception {
        try (Netns ns = Netns.create("left")) {
            Path conf = corefile("Corefile", "");
            Process first = start(ns, conf, "first.log");
            signal(first, "KILL");
            first.waitFor(30, TimeUnit.SECONDS);
            assertEquals(12, ns.nodecacheRules().size(), "SIGKILL leaves the rules (as with node-cache)");
            // A racing second writer once added a copy too (kubernetes/dns#568).
            assertEquals(0,
                    ns.exec("iptables", "-w", "5", "-t", "filter", "-I", "INPUT", "1", "-p", "udp", "-d", IP, "--dport",
                            "53",
                            "-j", "ACCEPT", "-m", "comment", "--comment", "NodeLocal DNS Cache: allow DNS traffic")
                            .code());
            assertEquals(13, ns.nodecacheRules().size());
            Process second = start(ns, conf, "second.log");
            Thread.sleep(2 * SYNC_MS);
            List<String> rules = ns.nodecacheRules();
            System.out.println("[TEST] restart over a killed instance's rules (+1 duplicate): " + rules.size()
                    + " rules after start");
            assertEquals(expectedRules(), sorted(rules));
            assertEquals(field(query(ns, 50, 0.5), "failed"), 0);
            signal(second, "TERM");
            assertTrue(second.waitFor(30, TimeUnit.SECONDS));
            assertEquals(List.of(), ns.nodecacheRules());
        }
    }

    @Test
    void twoInstancesWithReusePortLoseNoQueryWhenOneStopsAndTheLastOneOutTearsDown() throws Exception {
        try (Netns ns = Netns.create("ha")) {
            Path conf = corefile("Corefile", "");
            Process a = start(ns, conf, "a.log");
            Process b = start(ns, conf, "b.log"); // same DNS, health and metrics addresses: SO_REUSEPORT everywhere
            assertEquals(12, ns.nodecacheRules().size(), "the second instance adds no duplicates");
            Path log = dir.resolve("load.log");
            int qps = 500;
            double seconds = 6;
            Process load = ns.java(log, NsClient.class.getName(), IP, "53", Integer.toString(qps),
                    Double.toString(seconds));
            Thread.sleep(2500);
            long killed = System.nanoTime();
            signal(a, "TERM");
            assertTrue(a.waitFor(30, TimeUnit.SECONDS));
            long stopMs = (System.nanoTime() - killed) / 1_000_000;
            int rulesAfterA = ns.nodecacheRules().size();
            boolean addressAfterA = addressOnLo(ns);
            assertTrue(load.waitFor(120, TimeUnit.SECONDS));
            String report = read(log).strip();
            System.out.printf(
                    "[TEST] HA: 2 instances, %d qps for %.0f s, one SIGTERMed at 2.5 s (exit after %d ms): %s%n", qps,
                    seconds,
                    stopMs, report);
            System.out.println(
                    "[TEST] HA: after the first exit: rules = " + rulesAfterA + ", address on lo = " + addressAfterA);
            assertEquals(0, field(report, "failed"), report);
            assertEquals(field(report, "sent"), field(report, "answered"));
            assertEquals(12, rulesAfterA, "rules stay while the other instance serves");
            assertTrue(addressAfterA);
            signal(b, "TERM");
            assertTrue(b.waitFor(30, TimeUnit.SECONDS));
            System.out.println(
                    "[TEST] HA: after the last exit: rules = " + ns.nodecacheRules().size() + ", address on lo = "
                            + addressOnLo(ns));
            assertEquals(List.of(), ns.nodecacheRules());
            assertFalse(addressOnLo(ns));
        }
    }
}
