package io.nodedns.deploy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.nodedns.testing.DnsClient;
import io.nodedns.testing.FreePorts;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.xbill.DNS.ARecord;
import org.xbill.DNS.Message;
import org.xbill.DNS.Rcode;
import org.xbill.DNS.Section;
import org.xbill.DNS.Type;

/**
 * The image's runtime (target/jlink from {@code ./mvnw -Pjlink verify}: the jlink image, the jar,
 * the entry point with the image's JVM flags) starts nodedns and answers over loopback: a cache
 * plus forward block (to a whoami block of the same process), metrics and readiness. Runs only in
 * the profile's verify-phase execution, which sets nodedns.jlink.home; building the runtime takes
 * 10-20 s on a busy machine, too much for every test run.
 */
class JlinkRuntimeTest {

    @Test
    void theRuntimeHoldsOnlyTheChosenModules() throws Exception {
        Path home = home();
        Set<String> listed = new TreeSet<>();
        for (String line : run(home.resolve("runtime/bin/java").toString(), "--list-modules")) {
            listed.add(line.replaceFirst("@.*", "").strip());
        }
        for (String wanted : System.getProperty("nodedns.jlink.modules").split(",")) {
            assertTrue(listed.contains(wanted), wanted + " missing from " + listed);
        }
        for (String absent : List.of("java.desktop", "jdk.compiler", "jdk.jshell", "jdk.jcmd", "java.net.http",
                "jdk.httpserver")) {
            assertFalse(listed.contains(absent), absent + " should not be in the runtime: " + listed);
        }
        System.out.printf("jlink runtime modules: %s%n", listed);
    }

    @Test
    void theEntryPointUsesTheAotCacheOfTheTrainingRun() throws Exception {
        Path home = home();
        assertTrue(Files.size(home.resolve("nodedns.aot")) > 1 << 20, "build-runtime.sh made the AOT cache");
        // AOTMode=on: the JVM refuses to start unless it can use the cache (the entry point's
        // default, auto, would run on without it), so this proves cache, runtime and class path match.
        ProcessBuilder pb = new ProcessBuilder(home.resolve("bin/nodedns").toString(), "-version")
                .redirectErrorStream(true);
        pb.environment().put("NODEDNS_JAVA_OPTS", "-XX:AOTMode=on -Xlog:aot=info");
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes());
        assertEquals(0, p.waitFor(), out);
        assertTrue(out.contains("Using AOT-linked classes: true"), out);
        assertTrue(out.contains("nodedns-"), out);
    }

    @Test
    void nodednsStartsFromTheRuntimeAndAnswers(@TempDir Path dir) throws Exception {
        Path home = home();
        int port = FreePorts.udpAndTcp();
        int upstream = FreePorts.udpAndTcp();
        int ready = FreePorts.udpAndTcp();
        int metrics = FreePorts.udpAndTcp();
        Path corefile = dir.resolve("Corefile");
        Files.writeString(corefile, """
                .:%d {
                    bind 127.0.0.1
                    cache 30
                    forward . 127.0.0.1:%d
                    prometheus 127.0.0.1:%d
                    ready 127.0.0.1:%d
                }
                .:%d {
                    bind 127.0.0.1
                    whoami
                }
                """.formatted(port, upstream, metrics, ready, upstream));
        Process p = new ProcessBuilder(home.resolve("bin/nodedns").toString(), "-conf", corefile.toString())
                .redirectErrorStream(true).redirectOutput(dir.resolve("out.log").toFile()).start();
        try (DnsClient client = new DnsClient(port)) {
            Message reply = null;
            for (int i = 0; i < 60 && reply == null && p.isAlive(); i++) {
                reply = client.udp(DnsClient.query("jlink.example.org", Type.A));
            }
            assertNotNull(reply, "no answer; log:\n" + Files.readString(dir.resolve("out.log")));
            assertEquals(Rcode.NOERROR, reply.getRcode());
            // whoami behind forward: an A record with the forwarder's source address, 127.0.0.1
            assertEquals("127.0.0.1", ((ARecord) reply.getSection(Section.ADDITIONAL).stream()
                    .filter(r -> r instanceof ARecord).findFirst().orElseThrow()).getAddress().getHostAddress());
            Path exe = Path.of("/proc/" + p.pid() + "/exe").toRealPath();
            assertEquals(home.resolve("runtime/bin/java").toRealPath(), exe, "runs on the jlink runtime");

            HttpClient http = HttpClient.newHttpClient();
            assertEquals(200, get(http, "http://127.0.0.1:" + ready + "/ready").statusCode());
            String text = get(http, "http://127.0.0.1:" + metrics + "/metrics").body();
            assertTrue(text.contains("coredns_dns_requests_total{"), "CoreDNS metrics served");
            assertTrue(text.contains("coredns_cache_entries{"), "cache metrics served");
            assertTrue(text.contains("coredns_proxy_request_duration_seconds_count{"), "forward metrics served");
            // the JVM's own log (an AOT cache mismatch, a bad flag) stays out of the server's
            String log = Files.readString(dir.resolve("out.log"));
            assertFalse(log.contains("[warning]") || log.contains("[error"), log);
            System.out.printf("jlink runtime: answered %s, RSS %s%n", reply.getSection(Section.ADDITIONAL),
                    Files.readAllLines(Path.of("/proc/" + p.pid() + "/status")).stream()
                            .filter(l -> l.startsWith("VmRSS")).findFirst().orElse("?"));
        } finally {
            p.destroy();
            assertTrue(p.waitFor(20, TimeUnit.SECONDS), "stops on SIGTERM");
        }
    }

    private static Path home() {
        String home = System.getProperty("nodedns.jlink.home");
        assumeTrue(home != null, "runs in ./mvnw -Pjlink verify only (needs the runtime the profile builds)");
        assertTrue(Files.isExecutable(Path.of(home, "bin/nodedns")), "the profile did not build " + home);
        return Path.of(home);
    }

    private static HttpResponse<String> get(HttpClient http, String url) throws IOException, InterruptedException {
        return http.send(HttpRequest.newBuilder(URI.create(url)).build(), HttpResponse.BodyHandlers.ofString());
    }

    private static List<String> run(String... cmd) throws Exception {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        List<String> lines = new String(p.getInputStream().readAllBytes()).lines().toList();
        assertEquals(0, p.waitFor(), String.join(" ", cmd) + ": " + lines);
        return lines;
    }
}
