package io.nodedns.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.nodedns.testing.DnsClient;
import io.nodedns.testing.FreePorts;
import io.nodedns.testing.SetupErrors;
import io.nodedns.testing.TestServer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.xbill.DNS.Message;
import org.xbill.DNS.Rcode;
import org.xbill.DNS.Section;
import org.xbill.DNS.TXTRecord;
import org.xbill.DNS.Type;

/** Reloads under load lose nothing; a broken Corefile leaves the old config serving (issue 2 acceptance). */
class ReloadIntegrationTest {
    @TempDir
    Path dir;

    private static String corefile(int port, String marker) {
        return """
                example.org:%d {
                    marker %s
                }
                """.formatted(port, marker);
    }

    private static String answer(Message reply) {
        return ((TXTRecord) reply.getSection(Section.ANSWER).getFirst()).getStrings().getFirst();
    }

    @Test
    void reloadsWhileQueriesFlowLoseNothing() throws Exception {
        int port = FreePorts.udpAndTcp();
        Path file = dir.resolve("Corefile");
        Files.writeString(file, corefile(port, "v0"));
        try (TestServer server = TestServer.fromFile(file)) {
            AtomicBoolean running = new AtomicBoolean(true);
            AtomicLong answered = new AtomicLong();
            AtomicLong failed = new AtomicLong();
            List<String> problems = java.util.Collections.synchronizedList(new ArrayList<>());
            List<Thread> clients = new ArrayList<>();
            for (int c = 0; c < 2; c++) {
                clients.add(Thread.ofPlatform().start(() -> {
                    try (DnsClient client = new DnsClient(port)) {
                        int i = 0;
                        while (running.get() || i < 6000) {
                            Message reply = client.udp(DnsClient.query("n" + (i++) + ".example.org", Type.A));
                            if (reply == null || reply.getRcode() != Rcode.NOERROR) {
                                failed.incrementAndGet();
                                problems.add(reply == null ? "timeout" : Rcode.string(reply.getRcode()));
                            } else {
                                answered.incrementAndGet();
                            }
                        }
                    } catch (Exception e) {
                        problems.add(e.toString());
                        failed.incrementAndGet();
                    }
                }));
            }
            for (int version = 1; version <= 5; version++) {
                Thread.sleep(150);
                Files.writeString(file, corefile(port, "v" + version));
                assertTrue(server.server().reload(), "reload " + version + " applied");
            }
            Thread.sleep(150);
            running.set(false);
            for (Thread t : clients) {
                t.join(60_000);
            }
            long total = answered.get() + failed.get();
            System.out.printf("reload under load: %d queries, %d answered, %d failed%n", total, answered.get(),
                    failed.get());
            assertTrue(total >= 10_000, "at least 10k queries flowed, saw " + total);
            assertEquals(0, failed.get(), "failed or lost queries: " + problems.stream().limit(5).toList());
            try (DnsClient client = new DnsClient(port)) {
                assertEquals("v5", answer(client.udp(DnsClient.query("x.example.org", Type.A))));
            }
        }
    }

    @Test
    void brokenCorefileKeepsTheOldConfigServing() throws Exception {
        int port = FreePorts.udpAndTcp();
        Path file = dir.resolve("Corefile");
        Files.writeString(file, corefile(port, "good"));
        try (TestServer server = TestServer.fromFile(file)) {
            Files.writeString(file, "example.org:" + port + " {\n    marker good2\n    nosuchplugin\n}\n");
            SetupErrors.assertFailsIn(file.toString(), () -> server.server().reload(), 3, "nosuchplugin");
            try (DnsClient client = new DnsClient(port)) {
                assertEquals("good", answer(client.udp(DnsClient.query("x.example.org", Type.A))));
            }
            // Unchanged content (comments and whitespace only) is not a reload.
            Files.writeString(file, "# comment\n" + corefile(port, "good").replace("    ", "\t"));
            assertFalse(server.server().reload());
        }
    }

    @Test
    void reloadPluginPicksUpChangesByItself() throws Exception {
        int port = FreePorts.udpAndTcp();
        Path file = dir.resolve("Corefile");
        String template = """
                example.org:%d {
                    reload 2s 0s
                    marker %s
                }
                """;
        Files.writeString(file, template.formatted(port, "before"));
        try (TestServer server = TestServer.fromFile(file); DnsClient client = new DnsClient(port)) {
            assertEquals("before", answer(client.udp(DnsClient.query("x.example.org", Type.A))));
            Files.writeString(file, template.formatted(port, "after"));
            long deadline = System.nanoTime() + 6_000_000_000L;
            String seen = "before";
            while (System.nanoTime() < deadline && !seen.equals("after")) {
                Thread.sleep(100);
                seen = answer(client.udp(DnsClient.query("x.example.org", Type.A)));
            }
            assertEquals("after", seen);
        }
    }
}
