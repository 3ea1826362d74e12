package io.nodedns.docs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.nodedns.config.GoDuration;
import io.nodedns.k8stest.KubeClients;
import io.nodedns.k8stest.StandInApiServer;
import io.nodedns.plugin.nodecache.FakeNode;
import io.nodedns.plugin.nodecache.NodecacheConfig;
import io.nodedns.plugin.nodecache.NodecacheSetup;
import io.nodedns.server.ConfigSource;
import io.nodedns.server.Listener;
import io.nodedns.server.PluginRegistry;
import io.nodedns.server.Server;
import io.nodedns.testing.DnsClient;
import io.nodedns.testing.DotServer;
import io.nodedns.testing.FakeUpstream;
import io.nodedns.testing.FreePorts;
import io.nodedns.testing.TestCa;
import io.nodedns.testing.TestServer;
import io.nodedns.testing.Unmeasured;
import java.io.IOException;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.regex.Matcher;
import java.util.function.Function;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.xbill.DNS.Message;
import org.xbill.DNS.Rcode;
import org.xbill.DNS.Type;

/**
 * Issue 21's acceptance: every Corefile of deploy/ and a corpus of real Corefiles gathered from
 * public sources (src/test/resources/corpus/, each naming its source URL in its first comment)
 * starts and answers a query. What would leave the machine is rewritten first: upstreams
 * (/etc/resolv.conf included) go to a loopback stand-in (tls:// ones to a DoT stand-in with the
 * test CA), bind addresses to 127.0.0.x, ports to free ones, HTTP addresses to free loopback
 * ports, node files (/etc/coredns/...) and what a start writes on the node (kubeforward snapshots,
 * cache persist files, nodecache's lockdirs, one each, whose default is the node's /run/nodedns) to files of a
 * temporary directory, nodecache's {@code ip} and {@code iptables} commands to a simulated node,
 * and kubernetes plugins to the stand-in API server. Corefiles that still need a plugin nodedns lacks are listed in
 * {@link #EXPECTED_FAILURES} with that plugin: the test fails when one of them starts loading
 * (take it off the list) or fails for another reason.
 */
@Unmeasured
class CorpusTest {
    /** Corefile name -> the words its start-up error must contain (the missing plugin, named). */
    static final Map<String, String> EXPECTED_FAILURES = Map.of();

    /** Cases started at once. */
    private static final int PARALLEL = 8;

    private static final Pattern KEY_PORT = Pattern.compile("^((?:[a-z0-9]+://)?[^\\s:{]*)(?::(\\d+))?$");

    @TempDir
    Path dir;

    record Case(String name, String text) {
    }

    static List<Case> cases() throws IOException {
        List<Case> out = new ArrayList<>();
        try (Stream<Path> files = Files.list(Path.of("src/test/resources/corpus"))) {
            for (Path f : files.filter(p -> p.toString().endsWith(".Corefile")).sorted().toList()) {
                out.add(new Case("corpus/" + f.getFileName(), Files.readString(f)));
            }
        }
        // deploy/'s Corefile* files and every example of README.md and docs/ (DocExamplesTest's list)
        for (DocExamplesTest.Example e : DocExamplesTest.examples()) {
            out.add(new Case(e.file() + ":" + e.line(), e.text()));
        }
        return out;
    }

    @Test
    void everyCorefileStartsAndAnswers() throws Exception {
        List<Case> all = cases();
        long corpus = all.stream().filter(c -> c.name().startsWith("corpus/")).count();
        assertTrue(corpus >= 20, "the corpus holds " + corpus + " Corefiles, issue 21 asks for at least 20");
        for (Case c : all) {
            if (c.name().startsWith("corpus/")) {
                assertTrue(c.text().startsWith("# source: https://"), c.name() + " must name its source URL first");
            }
        }
        TestCa ca = new TestCa("nodedns corpus CA");
        Path caPem = ca.writeCa(dir.resolve("ca.crt"));
        // every server name the Corefiles check their DoT upstreams for
        TestCa.Issued dotCert = ca.issue("dns.test", List.of("dns.foo.com", "dns.bar.com", "dns.test",
                "dns.quad9.net", "cloudflare-dns.com", "dns.internal.example"),
                List.of(InetAddress.getByName("127.0.0.1")));
        Path[] certs = dotCert.write(dir, "node"); // the node's certificate and key, for tls and forward's tls
        Path kubeconfig;
        List<String> loaded = new ArrayList<>();
        Map<String, String> failures = new LinkedHashMap<>();
        try (FakeUpstream upstream = FakeUpstream.start();
                DotServer dot = new DotServer(dotCert.context(), false);
                StandInApiServer api = StandInApiServer.builder().start()) {
            kubeconfig = KubeClients.writeKubeconfig(dir.resolve("kubeconfig"), api.url(), "default");
            Map<String, String> env = Map.of("KUBECONFIG", kubeconfig.toString());
            PluginRegistry registry = TestServer.registry()
                    .register("kubeforward", new io.nodedns.plugin.kubeforward.KubeforwardSetup(env))
                    .register("kubernetes", new io.nodedns.plugin.kubernetes.KubernetesSetup(env))
                    .register("multicluster", new io.nodedns.plugin.multicluster.MulticlusterSetup(env))
                    // the node's link and iptables rules are a simulated node's: each case's start
                    // added rules to this machine's tables and its stop removed them, whoever else's
                    .register("nodecache",
                            new NodecacheSetup(shared -> NodecacheSetup.network(shared, new FakeNode())));
            // Each case has its own ports, bind addresses and files, so they run side by side: most
            // of a case's time is waiting (a health lameduck on stop, an acl drop's query timeout).
            List<Future<String>> problems = new ArrayList<>();
            try (ExecutorService pool = Executors.newFixedThreadPool(PARALLEL)) {
                int n = 0;
                Targets targets = new Targets(upstream.port(), dot.port(), caPem, certs, kubeconfig);
                for (Case c : all) {
                    Path caseDir = dir.resolve("case" + (n++));
                    problems.add(pool.submit(() -> {
                        Files.createDirectories(caseDir);
                        for (int attempt = 1;; attempt++) {
                            // Ports are picked just before the start, but one found free can still be
                            // taken before the bind (by a socket of a case running beside this one, or of
                            // another process; the final CI saw one of each): then again on new ports. A Corefile that clashes
                            // with itself fails every time and is reported.
                            String text = rewrite(c.text(), caseDir, targets);
                            Path corefile = caseDir.resolve("Corefile");
                            Files.writeString(corefile, text);
                            String problem = startAndQuery(registry, env, corefile, text);
                            if (problem == null || !portTaken(problem) || attempt == 3) {
                                return problem;
                            }
                        }
                    }));
                }
            }
            for (int i = 0; i < all.size(); i++) {
                String problem = problems.get(i).get();
                if (problem == null) {
                    loaded.add(all.get(i).name());
                } else {
                    failures.put(all.get(i).name(), problem);
                }
            }
        }
        System.out.printf("corpus: %d of %d Corefiles start and answer%n", loaded.size(), all.size());
        failures.forEach((name, why) -> System.out.printf("corpus: %s does not load: %s%n", name, why));
        List<String> wrong = new ArrayList<>();
        for (Map.Entry<String, String> e : failures.entrySet()) {
            String expected = EXPECTED_FAILURES.get(e.getKey());
            if (expected == null) {
                wrong.add(e.getKey() + " fails: " + e.getValue());
            } else if (!e.getValue().contains(expected)) {
                wrong.add(e.getKey() + " fails, but not for want of " + expected + ": " + e.getValue());
            }
        }
        for (String name : EXPECTED_FAILURES.keySet()) {
            if (loaded.contains(name)) {
                wrong.add(name + " now starts and answers: take it off EXPECTED_FAILURES");
            }
        }
        if (!wrong.isEmpty()) {
            fail(String.join("\n", wrong));
        }
    }

    /**
     * nodecache blocks must agree on their lockdir ({@code NodecacheConfig.sameOptions}): each
     * directory, the default /run/nodedns for a block without one, becomes one of its own, so a
     * Corefile whose blocks disagree fails here as on a node.
     */
    @Test
    void rewriteKeepsNodecacheLockdirsApart() throws IOException {
        String text = """
                .:53 {
                    nodecache 169.254.20.10 {
                        lockdir /run/nodedns
                    }
                }
                .:54 {
                    nodecache 169.254.20.11
                }
                .:55 {
                    nodecache 169.254.20.12 {
                        lockdir /var/run/nodedns-ha
                    }
                }
                """;
        String rewritten = rewrite(text, dir, new Targets(0, 0, null, null, null));
        List<String> dirs = Pattern.compile("lockdir (\\S+)").matcher(rewritten).results().map(m -> m.group(1))
                .toList();
        assertEquals(3, dirs.size(), rewritten);
        assertTrue(dirs.stream().allMatch(d -> d.startsWith(dir.toString())), "in the case's directory: " + dirs);
        assertEquals(dirs.get(0), dirs.get(1), "a block without lockdir has the default /run/nodedns");
        assertNotEquals(dirs.get(0), dirs.get(2), "blocks that disagree still do");
    }

    /**
     * A start that failed because a port picked free was taken before the bind: the bind's
     * EADDRINUSE, or the server's own probe finding another socket on it (PortProbe), which a
     * retry on new ports tells apart from a Corefile that clashes with itself.
     */
    private static boolean portTaken(String problem) {
        return problem.contains("Address already in use") || problem.contains("is already served by another socket");
    }

    /** Starts it, queries each plain DNS listener; null when all answered, else what went wrong. */
    private static String startAndQuery(PluginRegistry registry, Map<String, String> env, Path corefile, String text) {
        Server server = new Server(registry, new ConfigSource.FileSource(corefile), 53, env::get);
        List<String> fatal = new java.util.concurrent.CopyOnWriteArrayList<>();
        server.shared().onFatal((plugin, message) -> fatal.add("plugin/" + plugin + ": " + message));
        try {
            server.start();
        } catch (Exception e) {
            return e.getMessage();
        }
        try {
            boolean rootAnswered = false;
            for (Listener l : server.listeners().values()) {
                if (!l.address().scheme().equals("dns")) {
                    continue;
                }
                String host = l.address().host().isEmpty() ? "127.0.0.1" : l.address().host();
                try (DnsClient client = new DnsClient(host, l.address().port())) {
                    Message reply = client.udp(DnsClient.query("corpus-probe.nodedns-corpus.net.", Type.A));
                    if (reply == null) {
                        if (dropsLoopback(text)) {
                            continue; // acl's documented drop of everything but the pod network
                        }
                        return "no reply from " + l.label();
                    }
                    // the upstream's answer, or a plugin's own (whoami's NOERROR, hosts' NXDOMAIN), not a failure
                    rootAnswered |= reply.getRcode() != Rcode.SERVFAIL && reply.getRcode() != Rcode.REFUSED;
                }
            }
            if (servesRoot(text) && !rootAnswered && !dropsLoopback(text)) {
                return "the root zone's block answered SERVFAIL or REFUSED";
            }
            Duration lameDuck = longestLameDuck(text);
            if (!server.shared().lameDuck().equals(lameDuck)) {
                return "lame duck " + server.shared().lameDuck() + ", the Corefile's longest is " + lameDuck;
            }
            return fatal.isEmpty() ? null : String.join("; ", fatal);
        } catch (IOException e) {
            return "query: " + e;
        } finally {
            // Read and checked above; waiting it out on stop (20 s in three Corefiles) would only
            // idle: the stop itself is HealthReadyTest's.
            server.shared().lameDuck(Duration.ZERO);
            server.stop();
        }
    }

    /** The longest {@code lameduck} of the Corefile's health blocks (the one a stop waits), or zero. */
    private static Duration longestLameDuck(String text) {
        Duration longest = Duration.ZERO;
        Matcher m = Pattern.compile("(?m)^\\s*lameduck\\s+(\\S+)").matcher(text);
        while (m.find()) {
            Duration d = GoDuration.parse(m.group(1));
            if (d.compareTo(longest) > 0) {
                longest = d;
            }
        }
        return longest;
    }

    private static boolean dropsLoopback(String text) {
        return Pattern.compile("(?s)acl\\s*\\{.*\\bdrop\\b").matcher(text).find();
    }

    /**
     * Whether a block serves the root zone and so must answer the probe: unless its forwarding
     * covers only some zones (forward 10.1.2.0/24 ...), where REFUSED is the right answer, or it
     * has no plugin that answers any name (forward, kubeforward, whoami): its zone-bound plugins
     * (kubernetes cluster.local) pass the probe on, and CoreDNS's "no next plugin" SERVFAIL is right.
     */
    private static boolean servesRoot(String text) {
        boolean rootKey = Pattern.compile("(?m)^\\s*(dns://)?\\.(:\\d+)?[\\s{]").matcher(text).find();
        boolean partialForward = Pattern.compile("(?m)^\\s*forward\\s+[^.\\s]").matcher(text).find()
                && !Pattern.compile("(?m)^\\s*forward\\s+\\.\\s").matcher(text).find();
        boolean answersAnyName = Pattern.compile("(?m)^\\s*(forward|kubeforward|whoami)\\b").matcher(text).find();
        return rootKey && !partialForward && answersAnyName;
    }

    /** Where rewritten Corefiles point: the stand-ins and the test PKI. */
    record Targets(int upstreamPort, int dotPort, Path caPem, Path[] certs, Path kubeconfig) {
    }

    /** Rewrites what would leave the machine or needs the node (see the class comment). */
    static String rewrite(String text, Path caseDir, Targets t) throws IOException {
        Map<String, String> ports = new HashMap<>();
        Map<String, String> binds = new HashMap<>();
        Map<String, String> http = new HashMap<>();
        StringBuilder out = new StringBuilder();
        int depth = 0;
        boolean forwardNeedsCa = false; // a forward block with tls:// upstreams and no tls line yet
        boolean nodecacheNeedsLockdir = false; // a nodecache block with no lockdir line yet
        // each original directory one of its own, as ports: nodecache blocks must agree on their options
        Map<String, String> lockdirs = new HashMap<>();
        Function<String, String> lockdir = original -> lockdirs.computeIfAbsent(original,
                k -> caseDir.resolve("nodedns-lock-" + (lockdirs.size() + 1)).toString());
        String defaultLockdir = NodecacheConfig.DEFAULT_LOCK_DIR.toString();
        for (String line : text.split("\n", -1)) {
            String trimmed = line.strip();
            if (trimmed.startsWith("#") || trimmed.isEmpty()) {
                out.append(line).append('\n');
                continue;
            }
            List<String> words = new ArrayList<>(List.of(trimmed.split("\\s+")));
            String first = words.getFirst();
            if (depth == 0 && !first.equals("import") && !first.equals("}")) {
                for (int i = 0; i < words.size() && !words.get(i).equals("{"); i++) {
                    words.set(i, rekey(words.get(i), ports));
                }
            } else if (first.equals("bind")) {
                for (int i = 1; i < words.size() && !words.get(i).equals("{"); i++) {
                    String a = words.get(i);
                    words.set(i, binds.computeIfAbsent(a, k -> "127.0.0." + (binds.size() + 2)));
                }
            } else if (first.equals("forward") && depth == 1) {
                for (int i = 2; i < words.size() && !words.get(i).equals("{"); i++) {
                    String to = words.get(i);
                    if (to.startsWith("tls://")) {
                        int pct = to.lastIndexOf('%');
                        String name = pct < 0 ? "" : "%" + to.substring(pct + 1).replaceFirst(":\\d+$", "");
                        words.set(i, "tls://127.0.0.1" + name + ":" + t.dotPort());
                        forwardNeedsCa = true;
                    } else {
                        words.set(i, "127.0.0.1:" + t.upstreamPort());
                    }
                }
                if (forwardNeedsCa && !words.getLast().equals("{")) {
                    // the system's CAs, which the upstream's certificate chains to, are the test CA here
                    words.addAll(List.of("{", "tls", t.caPem().toString(), "}"));
                    forwardNeedsCa = false;
                }
            } else if ((first.equals("health") || first.equals("ready") || first.equals("prometheus")) && depth == 1) {
                boolean hasAddress = words.size() > 1 && !words.get(1).equals("{");
                String original = first + "@" + (hasAddress ? words.get(1) : "default");
                String mapped = http.computeIfAbsent(original, k -> "127.0.0.1:" + FreePorts.udpAndTcp());
                if (hasAddress) {
                    words.set(1, mapped);
                } else {
                    words.add(1, mapped);
                }
            } else if (first.equals("tls") && depth == 2 && words.size() == 1) {
                words.add(t.caPem().toString()); // forward's bare tls: the system's CAs, the test CA here
                forwardNeedsCa = false;
            } else if (first.equals("tls") && words.size() > 1 && !words.get(1).equals("{")) {
                forwardNeedsCa = false;
                // the node's certificate files: the server block's (tls plugin) or forward's
                List<String> files = List.of(t.certs()[0].toString(), t.certs()[1].toString(), t.caPem().toString());
                int n = words.size() > 3 && !words.get(3).equals("{")
                        ? 3
                        : words.size() > 2 && !words.get(2).equals("{") ? 2 : 1;
                for (int i = 0; i < n; i++) {
                    words.set(1 + i, n == 1 ? t.caPem().toString() : files.get(i));
                }
            } else if (first.equals("snapshot") && words.size() > 1) {
                words.set(1, caseDir.resolve("kubeforward.endpoints").toString()); // not the node's /var/run
            } else if (first.equals("persist") && words.size() > 1) {
                // the file's name kept: two caches of a Corefile may not share one
                words.set(1, caseDir.resolve(Path.of(words.get(1)).getFileName()).toString());
            } else if (first.equals("nodecache") && depth == 1) {
                if (!words.getLast().equals("{")) {
                    // not its default, the node's /run/nodedns; lines of their own, as nodecache reads them
                    words.add("{\nlockdir " + lockdir.apply(defaultLockdir) + "\n}");
                } else {
                    nodecacheNeedsLockdir = true;
                }
            } else if (first.equals("lockdir") && depth == 2 && words.size() > 1) {
                if (!words.get(1).equals("none")) {
                    words.set(1, lockdir.apply(words.get(1)));
                }
                nodecacheNeedsLockdir = false;
            } else if (first.equals("kubeconfig") && words.size() > 1) {
                words.set(1, t.kubeconfig().toString());
                if (words.size() > 2) {
                    words.set(2, KubeClients.CONTEXT);
                }
            }
            for (int i = 1; i < words.size(); i++) {
                String w = words.get(i);
                if (w.startsWith("/etc/coredns/NodeHosts") || w.startsWith("/etc/coredns/custom/")) {
                    words.set(i, nodeFile(caseDir, w.substring("/etc/coredns/".length())).toString());
                }
            }
            if (first.equals("import") && words.size() > 1 && !words.get(1).startsWith("/")) {
                Files.createDirectories(caseDir.resolve(words.get(1)).getParent());
            }
            if (first.equals("}") && depth == 2 && forwardNeedsCa) {
                words.addFirst("tls " + t.caPem() + "\n"); // closing a forward block that had no tls line
                forwardNeedsCa = false;
            }
            if (first.equals("}") && depth == 2 && nodecacheNeedsLockdir) {
                words.addFirst("lockdir " + lockdir.apply(defaultLockdir) + "\n"); // closing a nodecache block that had no lockdir line
                nodecacheNeedsLockdir = false;
            }
            String indent = line.substring(0, line.length() - line.stripLeading().length());
            out.append(indent).append(String.join(" ", words)).append('\n');
            for (String w : words) {
                if (w.equals("{")) {
                    depth++;
                } else if (w.equals("}")) {
                    depth--;
                }
            }
        }
        return out.toString();
    }

    /** A key with its port mapped to a free one (the same original port, the same free port). */
    private static String rekey(String key, Map<String, String> ports) {
        Matcher m = KEY_PORT.matcher(key);
        if (!m.matches()) {
            return key;
        }
        String original = m.group(2) == null ? "53" : m.group(2);
        String port = ports.computeIfAbsent(original, k -> String.valueOf(FreePorts.udpAndTcp()));
        return m.group(1) + ":" + port;
    }

    /** A node file (k3s's NodeHosts, custom/ imports) made in the case's directory. */
    private static Path nodeFile(Path caseDir, String relative) throws IOException {
        Path p = caseDir.resolve(relative);
        Files.createDirectories(p.getParent());
        if (!relative.contains("*") && !Files.exists(p)) {
            Files.writeString(p, "192.0.2.10 node-1\n");
        }
        return p;
    }
}
