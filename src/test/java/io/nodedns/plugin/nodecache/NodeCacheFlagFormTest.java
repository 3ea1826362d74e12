package io.nodedns.plugin.nodecache;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.nodedns.testing.Unmeasured;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The node-cache drop-in, as root in a network namespace: the official node-local-dns ConfigMap
 * Corefile (after the documented installer sed, iptables mode) with the official DaemonSet's args,
 * a stand-in kube-dns (nodedns with whoami) on the kube-dns-upstream address, and a client in the
 * namespace asking both the link-local and the taken-over kube-dns address.
 */
@Unmeasured // fixed ports only inside its own namespace; its processes log to files; 1 s stub retries
class NodeCacheFlagFormTest {
    private static final String LOCAL = "169.254.20.10";
    private static final String KUBE_DNS = "10.96.0.10";
    private static final String UPSTREAM = "10.96.0.20";

    @TempDir
    Path dir;

    @Test
    void officialConfigMapCorefileAndArgsServeAndTakeOverBothAddresses() throws Exception {
        try (Netns ns = Netns.create("flags")) {
            String configMap;
            try (InputStream in = getClass().getResourceAsStream("/nodecache/node-local-dns.Corefile")) {
                configMap = new String(in.readAllBytes(), StandardCharsets.UTF_8);
            }
            // The installer's sed (kubernetes.io docs, iptables mode); node-cache fills the rest.
            Path base = dir.resolve("Corefile.base");
            Files.writeString(base, configMap.replace("__PILLAR__DNS__DOMAIN__", "cluster.local")
                    .replace("__PILLAR__LOCAL__DNS__", LOCAL).replace("__PILLAR__DNS__SERVER__", KUBE_DNS));
            // The node's resolv.conf (dnsPolicy: Default) and kube-dns-upstream, both inside the namespace.
            Files.createDirectories(Path.of("/etc/netns", ns.name));
            Files.writeString(Path.of("/etc/netns", ns.name, "resolv.conf"), "nameserver " + UPSTREAM + "\n");
            assertEquals(0, ns.exec("ip", "addr", "add", UPSTREAM + "/32", "dev", "lo").code());
            Path upstreamConf = dir.resolve("kube-dns.Corefile");
            Files.writeString(upstreamConf, ".:53 {\n    bind " + UPSTREAM + "\n    whoami\n}\n");
            Path upstreamLog = dir.resolve("kube-dns.log");
            Process upstream = ns.java(upstreamLog, "io.nodedns.Main", "-conf", upstreamConf.toString());
            assertTrue(Netns.await(upstreamLog, "started", upstream, 60_000), Files.readString(upstreamLog));

            Path log = dir.resolve("node-cache.log");
            Path rendered = dir.resolve("Corefile");
            long t0 = System.nanoTime();
            Process cache = ns.java(Map.of("KUBE_DNS_UPSTREAM_SERVICE_HOST", UPSTREAM), log, "io.nodedns.Main",
                    "-localip", LOCAL + "," + KUBE_DNS, "-conf", rendered.toString(), "-upstreamsvc",
                    "kube-dns-upstream",
                    "-pidfile", dir.resolve("node-cache.pid").toString(), "-basecorefile", base.toString(),
                    // This kernel has no dummy links: the namespace's lo stands in for nodelocaldns.
                    "-interfacename", "lo", "-syncinterval", "1", "-lockdir", dir.resolve("locks").toString());
            assertTrue(Netns.await(log, "started", cache, 60_000), Files.readString(log));
            System.out.printf("[TEST] node-cache flag form: start to serving %d ms%n",
                    (System.nanoTime() - t0) / 1_000_000);
            String text = Files.readString(rendered);
            assertTrue(text.contains("forward . " + UPSTREAM + " {") && text.contains("forward . /etc/resolv.conf")
                    && text.contains("bind " + LOCAL + " " + KUBE_DNS), text);

            assertEquals(24, ns.nodecacheRules().size(), "12 rules for each -localip: " + ns.nodecacheRules());
            for (String ip : List.of(LOCAL, KUBE_DNS)) {
                assertTrue(ns.exec("ip", "-o", "addr", "show", "dev", "lo").out().contains(ip + "/32"), ip);
                String cluster = query(ns, ip, "default.svc.cluster.local.");
                String external = query(ns, ip, "example.org.");
                System.out.println("[TEST] flag form, " + ip + ":53 cluster.local (forward force_tcp): " + cluster);
                System.out.println("[TEST] flag form, " + ip + ":53 . (forward /etc/resolv.conf): " + external);
                assertEquals(0, field(cluster, "failed"), cluster);
                assertEquals(0, field(external, "failed"), external);
            }
            String health = ns.exec("curl", "-sS", "http://" + LOCAL + ":8080/health").out();
            String metrics9253 = ns.exec("curl", "-sS", "http://127.0.0.1:9253/metrics").out();
            String metrics9353 = ns.exec("curl", "-sS", "http://127.0.0.1:9353/metrics").out();
            assertEquals("OK", health.strip());
            for (String m : List.of(metrics9253, metrics9353)) {
                assertTrue(m.contains("coredns_nodecache_setup_errors_total{errortype=\"iptables_lock\"} 0.0")
                        || m.contains("coredns_nodecache_setup_errors_total{errortype=\"iptables_lock\"} 0"), m);
            }
            System.out.println("[TEST] flag form: /health on " + LOCAL + ":8080 = " + health.strip()
                    + "; coredns_nodecache_setup_errors_total on :9253 and :9353");
            assertEquals(0, new ProcessBuilder("kill", "-TERM", Long.toString(cache.pid())).start().waitFor());
            assertTrue(cache.waitFor(30, TimeUnit.SECONDS));
            assertEquals(0, cache.exitValue(), Files.readString(log));
            assertEquals(List.of(), ns.nodecacheRules());
            System.out.println("[TEST] flag form: SIGTERM exit 0, rules left = 0");
        }
    }

    private String query(Netns ns, String server, String zone) throws Exception {
        Path log = dir.resolve("client-" + System.nanoTime() + ".log");
        Process client = ns.java(log, NsClient.class.getName(), server, "53", "50", "0.4", zone);
        assertTrue(client.waitFor(120, TimeUnit.SECONDS));
        return Files.readString(log).strip();
    }

    private static long field(String report, String name) {
        Matcher m = Pattern.compile(name + "=(\\d+)").matcher(report);
        assertTrue(m.find(), name + " in '" + report + "'");
        return Long.parseLong(m.group(1));
    }
}
