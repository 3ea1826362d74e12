package io.nodedns;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.nodedns.plugin.Plugins;
import io.nodedns.server.ConfigSource;
import io.nodedns.server.Server;
import io.nodedns.testing.DnsClient;
import io.nodedns.testing.FakeUpstream;
import io.nodedns.testing.FreePorts;
import io.nodedns.testing.LogCapture;
import java.io.IOException;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.xbill.DNS.ARecord;
import org.xbill.DNS.Message;
import org.xbill.DNS.Rcode;
import org.xbill.DNS.Record;
import org.xbill.DNS.Section;
import org.xbill.DNS.Type;

/**
 * node-cache mode's ConfigMap sync in process, without root (no link, no iptables): the mounted
 * Corefile.base and kube-dns ConfigMap are edited as the kubelet would and the change is served
 * within the check period, through the reload plugin or -reloadwithsignal. Upstreams are loopback
 * fakes; the template never uses /etc/resolv.conf.
 */
class NodeCacheSyncTest {
    private static final long PERIOD_MS = 300;

    @TempDir
    Path dir;

    @ParameterizedTest(name = "reloadwithsignal={0}")
    @ValueSource(booleans = {false, true})
    void editedConfigMapsAreServedWithinTheCheckPeriod(boolean withSignal) throws Exception {
        int port = FreePorts.udpAndTcp();
        int metricsPort = FreePorts.udpAndTcp();
        Path cm = Files.createDirectories(dir.resolve("node-local-dns"));
        Path kubeDns = Files.createDirectories(dir.resolve("kube-dns"));
        Path base = cm.resolve("Corefile.base");
        Path target = dir.resolve("etc/Corefile");
        // reload's shortest interval; with -reloadwithsignal no reload plugin is needed.
        String reload = withSignal ? "" : "    reload 2s 0\n";
        String dot = ".:" + port + " {\n    bind __PILLAR__LOCAL__DNS__\n    forward . __PILLAR__UPSTREAM__SERVERS__\n"
                + reload + "}\n";
        try (FakeUpstream upstream = FakeUpstream.start();
                FakeUpstream stub = FakeUpstream.start().reply(q -> answerA(q, "192.0.2.2"));
                LogCapture log = new LogCapture()) {
            Files.writeString(base, dot);
            kubeMount(kubeDns, Map.of("upstreamNameservers", "[\"" + upstream.hostPort() + "\"]"));
            List<String> args = new java.util.ArrayList<>(List.of("-localip", "127.0.0.1", "-setupinterface=false",
                    "-setupiptables=false", "-lockdir", "none", "-metrics-listen-address", "127.0.0.1:" + metricsPort,
                    "-basecorefile", base.toString(),
                    "-corefile", target.toString(), "-kubednscm", kubeDns.toString(), "-config-period",
                    PERIOD_MS + "ms"));
            if (withSignal) {
                args.add("-reloadwithsignal");
            }
            Server server = start(args, port);
            try (DnsClient client = new DnsClient(port)) {
                assertEquals("192.0.2.1", a(client, "www.example.org."), "upstreamNameservers serve '.'");
                assertTrue(Files.readString(target).contains("forward . " + upstream.hostPort() + "\n"),
                        Files.readString(target));

                // (1) kube-dns ConfigMap: a stub domain appears and reaches its own upstream.
                kubeMount(kubeDns, Map.of("upstreamNameservers", "[\"" + upstream.hostPort() + "\"]",
                        "stubDomains", "{\"acme.local\": [\"" + stub.hostPort() + "\"]}"));
                long ms = awaitServed(client, "www.acme.local.", "192.0.2.2");
                assertTrue(stub.count(q -> q.name().equals("www.acme.local.")) >= 1,
                        "the stub domain's own upstream answered");
                System.out.printf(
                        "[TEST] reloadwithsignal=%s: stub domain served %d ms after the kube-dns ConfigMap changed%n",
                        withSignal, ms);

                // (2) node-local-dns ConfigMap: Corefile.base gains a block.
                Files.writeString(base,
                        dot + "internal.example:" + port + " {\n    bind __PILLAR__LOCAL__DNS__\n    forward . "
                                + stub.hostPort() + "\n}\n");
                ms = awaitServed(client, "db.internal.example.", "192.0.2.2");
                System.out.printf("[TEST] reloadwithsignal=%s: Corefile.base edit served %d ms after the change%n",
                        withSignal, ms);

                // (3) bad content is logged with file and key; the last good configuration keeps serving.
                String before = Files.readString(target);
                kubeMount(kubeDns, Map.of("upstreamNameservers", "[\"" + upstream.hostPort() + "\"]", "stubDomains",
                        "{\"acme.local\": ["));
                String bad = log.await("key stubDomains): invalid JSON", 5_000);
                assertNotNull(bad, String.join("\n", log.lines()));
                assertTrue(bad.contains(kubeDns.resolve("stubDomains").toString()), bad);
                kubeMount(kubeDns, Map.of("upstreamNameservers", "[\"300.1.2.3\"]", "stubDomains",
                        "{\"acme.local\": [\"" + stub.hostPort() + "\"]}"));
                bad = log.await("invalid nameserver \"300.1.2.3\"", 5_000);
                assertNotNull(bad, String.join("\n", log.lines()));
                assertTrue(bad.contains(kubeDns.resolve("upstreamNameservers") + " (key upstreamNameservers)"), bad);
                Thread.sleep(3 * PERIOD_MS + (withSignal ? 0 : 2_500));
                assertEquals(before, Files.readString(target), "the last good Corefile is kept");
                assertEquals("192.0.2.2", a(client, "mail.acme.local."));
                assertEquals("192.0.2.1", a(client, "www.example.net."));
                String metrics = get("http://127.0.0.1:" + metricsPort + "/metrics");
                assertTrue(
                        metrics.matches(
                                "(?s).*coredns_nodecache_setup_errors_total\\{errortype=\"configmap\"} 2(\\.0)?\n.*"),
                        metrics);
            } finally {
                server.stop();
            }
        }
    }

    @Test
    void renderingFollowsNodeCache() throws Exception {
        String base = ".:53 {\n    bind __PILLAR__LOCAL__DNS__ __PILLAR__DNS__SERVER__\n    forward . __PILLAR__UPSTREAM__SERVERS__ {\n"
                + "            force_tcp\n    }\n}\n";
        KubeDnsConfigMap cm = new KubeDnsConfigMap(Map.of("acme.local", List.of("1.2.3.4", "[fd00::1]:5353")),
                List.of("8.8.8.8", "9.9.9.9:53"));
        String out = NodeCacheTemplate.render(base, List.of("169.254.20.10", "10.96.0.10"), "kube-dns", k -> null, cm,
                53);
        assertEquals(".:53 {\n    bind 169.254.20.10 10.96.0.10 \n    forward . 8.8.8.8 9.9.9.9:53\n}\n"
                + "\nacme.local:53 {\n    errors\n    cache 30\n    bind 169.254.20.10 10.96.0.10\n    forward . 1.2.3.4 [fd00::1]:5353\n}\n",
                out, "custom upstreams drop force_tcp, as node-cache does; stub blocks are appended");
        assertEquals(
                ".:53 {\n    bind 169.254.20.10 \n    forward . /etc/resolv.conf {\n            force_tcp\n    }\n}\n",
                NodeCacheTemplate.render(base, List.of("169.254.20.10"), "kube-dns", k -> null, KubeDnsConfigMap.EMPTY,
                        53));
    }

    @Test
    void kubeDnsConfigMapErrorsNameFileAndKey() throws Exception {
        kubeMount(dir,
                Map.of("stubDomains", "{\"acme.local\": [\"1.2.3.4\", \"5.6.7.8:53\"]}", "upstreamNameservers",
                        "[\"::1\"]",
                        "federations", "ignored=example.com"));
        KubeDnsConfigMap ok = KubeDnsConfigMap.read(dir);
        assertEquals(Map.of("acme.local", List.of("1.2.3.4", "5.6.7.8:53")), ok.stubDomains());
        assertEquals(List.of("::1"), ok.upstreamNameservers());
        for (String[] c : List.of(
                new String[]{"stubDomains", "{\"acme.local\": [\"1.2.3.4\"]} x", "invalid JSON"},
                new String[]{"stubDomains", "[\"1.2.3.4\"]", "want a JSON object"},
                new String[]{"stubDomains", "{\"Acme.local\": [\"1.2.3.4\"]}", "invalid domain name \"Acme.local\""},
                new String[]{"stubDomains", "{\"acme.local\": [\"dns.acme.local\"]}",
                        "invalid nameserver \"dns.acme.local\""},
                new String[]{"stubDomains", "{\"" + "a".repeat(64) + ".local\": [\"1.2.3.4\"]}", "invalid domain name"},
                new String[]{"stubDomains", "{\"acme.local\": [\"1.2.3.4:99999\"]}",
                        "invalid nameserver \"1.2.3.4:99999\""},
                new String[]{"upstreamNameservers", "[\"1.1.1.1\",\"1.1.1.2\",\"1.1.1.3\",\"1.1.1.4\"]",
                        "more than three"},
                new String[]{"upstreamNameservers", "[\"fd00::1::53\"]", "invalid nameserver"},
                new String[]{"upstreamNameservers", "\"1.1.1.1\"", "want a JSON array"})) {
            Path d = Files.createDirectories(dir.resolve("case" + System.nanoTime()));
            kubeMount(d, Map.of(c[0], c[1]));
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> KubeDnsConfigMap.read(d),
                    c[1]);
            assertTrue(
                    e.getMessage().contains(d.resolve(c[0]) + " (key " + c[0] + ")") && e.getMessage().contains(c[2]),
                    e.getMessage());
        }
        assertEquals(KubeDnsConfigMap.EMPTY, KubeDnsConfigMap.read(Files.createDirectories(dir.resolve("empty"))));
    }

    @Test
    void flagsDoWhatNodeCachesDoOrFailNamingTheFlag() {
        NodeCacheFlags nc = Flags.parse(new String[]{"-localip", "169.254.20.10"}).nodeCache();
        assertFalse(nc.reloadWithSignal());
        assertEquals(NodeCacheFlags.DEFAULT_CONFIG_PERIOD, nc.configPeriod());
        assertEquals(Path.of("/etc/Corefile"), nc.target(null));
        assertEquals(Files.isDirectory(Path.of("/etc/kube-dns")) ? Path.of("/etc/kube-dns") : null,
                nc.kubeDnsConfigMap(),
                "node-cache uses /etc/kube-dns only when it exists");
        nc = Flags.parse(new String[]{"-localip", "169.254.20.10", "-corefile", "/tmp/C", "-kubednscm", "/cm",
                "-reloadwithsignal",
                "-config-period", "2s"}).nodeCache();
        assertEquals(Path.of("/tmp/C"), nc.target(null));
        assertEquals(Path.of("/cm"), nc.kubeDnsConfigMap());
        assertTrue(nc.reloadWithSignal());
        assertEquals(java.time.Duration.ofSeconds(2), nc.configPeriod());
        assertEquals(Path.of("/tmp/C"),
                Flags.parse(new String[]{"-localip", "1.2.3.4", "-corefile", "/tmp/C", "-conf", "/tmp/C"})
                        .nodeCache().target("/tmp/C"));
        assertTrue(
                assertThrows(IllegalArgumentException.class,
                        () -> Flags.parse(new String[]{"-localip", "1.2.3.4", "-corefile",
                                "/a", "-conf", "/b"}))
                        .getMessage().contains("-corefile /a and -conf /b name different files"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> Flags.parse(new String[]{"-localip", "1.2.3.4",
                "-config-period", "10ms"})).getMessage().contains("for flag -config-period"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> Flags.parse(new String[]{"-localip", "1.2.3.4",
                "-conf", "stdin"})).getMessage().contains("-conf stdin cannot be used with -localip"));
    }

    /** As Main does in node-cache mode, without signal handlers or the process wait. */
    private static Server start(List<String> args, int port) throws Exception {
        Flags flags = Flags.parse(args.toArray(String[]::new));
        Path target = flags.nodeCache().target(flags.conf());
        NodeCacheSync sync = new NodeCacheSync(flags.nodeCache(), target, port, k -> null);
        sync.renderAtStart();
        Server server = new Server(Plugins.registry(), new ConfigSource.FileSource(target), port, k -> null);
        NodeCacheProcess.attach(server, flags.nodeCache(), port, sync);
        server.start();
        return server;
    }

    /** Writes the ConfigMap as the kubelet does: files in a ..data directory, swapped atomically, linked by name. */
    private static void kubeMount(Path dir, Map<String, String> data) throws IOException {
        Path version = Files.createDirectories(dir.resolve("..v" + System.nanoTime()));
        for (Map.Entry<String, String> e : data.entrySet()) {
            Files.writeString(version.resolve(e.getKey()), e.getValue());
        }
        Path tmp = dir.resolve("..data_tmp");
        Files.deleteIfExists(tmp);
        Files.createSymbolicLink(tmp, version.getFileName());
        Files.move(tmp, dir.resolve("..data"), java.nio.file.StandardCopyOption.ATOMIC_MOVE,
                java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        try (var entries = Files.list(dir)) {
            for (Path p : entries.toList()) {
                if (!p.getFileName().toString().startsWith(".") && !data.containsKey(p.getFileName().toString())) {
                    Files.delete(p);
                }
            }
        }
        for (String key : data.keySet()) {
            Path link = dir.resolve(key);
            if (!Files.isSymbolicLink(link)) {
                Files.createSymbolicLink(link, Path.of("..data").resolve(key));
            }
        }
    }

    private static String get(String url) throws Exception {
        var client = java.net.http.HttpClient.newHttpClient();
        return client.send(java.net.http.HttpRequest.newBuilder(java.net.URI.create(url)).build(),
                java.net.http.HttpResponse.BodyHandlers.ofString()).body();
    }

    private static long awaitServed(DnsClient client, String name, String want) throws Exception {
        long t0 = System.nanoTime();
        long deadline = t0 + (PERIOD_MS + 6_000) * 1_000_000;
        String got = null;
        while (System.nanoTime() < deadline) {
            got = a(client, name);
            if (want.equals(got)) {
                return (System.nanoTime() - t0) / 1_000_000;
            }
            Thread.sleep(50);
        }
        throw new AssertionError(name + ": want " + want + ", still " + got);
    }

    private static String a(DnsClient client, String name) throws IOException {
        Message r = client.udp(DnsClient.query(name, Type.A));
        if (r.getRcode() != Rcode.NOERROR) {
            return Rcode.string(r.getRcode());
        }
        for (Record rr : r.getSection(Section.ANSWER)) {
            if (rr instanceof ARecord ar) {
                return ar.getAddress().getHostAddress();
            }
        }
        return "no A";
    }

    private static Message answerA(Message q, String ip) {
        Message r = FakeUpstream.replyTo(q, Rcode.NOERROR);
        try {
            r.addRecord(
                    new ARecord(q.getQuestion().getName(), q.getQuestion().getDClass(), 60, InetAddress.getByName(ip)),
                    Section.ANSWER);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
        return r;
    }
}
