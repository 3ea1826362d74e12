package io.nodedns.plugin.cache;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.nodedns.testing.DnsClient;
import io.nodedns.testing.FakeUpstream;
import io.nodedns.testing.FreePorts;
import io.nodedns.testing.ImageJvm;
import io.nodedns.testing.Unmeasured;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.xbill.DNS.Message;
import org.xbill.DNS.Rcode;
import org.xbill.DNS.Section;
import org.xbill.DNS.Type;

/**
 * The warm restart as a pod sees it: nodedns in its own JVM with the image's flags, stopped by a
 * real SIGTERM, started again; 1000 names cached by the first process are answered by the second
 * without asking upstream, from its first answer on.
 */
@Unmeasured
class CacheWarmRestartProcessTest {
    private static final int NAMES = 1000;

    @TempDir
    Path dir;

    @Test
    @Timeout(120)
    void sigtermWritesTheCacheAndTheNextProcessAnswersFromIt() throws Exception {
        try (FakeUpstream up = FakeUpstream.start()) {
            int port = FreePorts.udpAndTcp();
            Path file = dir.resolve("cache.bin");
            Path corefile = dir.resolve("Corefile");
            Files.writeString(corefile,
                    ".:" + port + " {\n bind 127.0.0.1\n cache {\n  persist " + file + "\n }\n forward . "
                            + up.hostPort() + "\n}\n");
            Path log1 = dir.resolve("first.log");
            try (ImageJvm first = ImageJvm.start(corefile, log1); DnsClient client = new DnsClient("127.0.0.1", port)) {
                assertTrue(
                        first.awaitReply(client, DnsClient.query("host0.warm.test.", Type.A),
                                Duration.ofSeconds(60)) != null,
                        first.log());
                for (int i = 1; i < NAMES; i++) {
                    assertEquals(Rcode.NOERROR,
                            client.udp(DnsClient.query("host" + i + ".warm.test.", Type.A)).getRcode());
                }
                first.signal("TERM");
                assertTrue(first.waitFor(Duration.ofSeconds(30)), "stopped on SIGTERM");
            }
            String out1 = Files.readString(log1);
            assertTrue(out1.contains("[INFO] plugin/cache: persist: wrote " + NAMES + " entries to " + file), out1);
            long asked = upstreamQueries(up);
            assertEquals(NAMES, asked, out1);

            Path log2 = dir.resolve("second.log");
            try (ImageJvm second = ImageJvm.start(corefile, log2);
                    DnsClient client = new DnsClient("127.0.0.1", port)) {
                Message reply = second.awaitReply(client, DnsClient.query("host0.warm.test.", Type.A),
                        Duration.ofSeconds(60));
                assertTrue(reply != null, second.log());
                assertEquals(asked, upstreamQueries(up), "the first answer after start came from the cache");
                for (int i = 0; i < NAMES; i++) {
                    Message r = client.udp(DnsClient.query("host" + i + ".warm.test.", Type.A));
                    assertEquals(1, r.getSectionArray(Section.ANSWER).length);
                    assertTrue(r.getSectionArray(Section.ANSWER)[0].getTTL() < 60,
                            "TTL counts on from the first process");
                }
                assertEquals(asked, upstreamQueries(up), "every name answered from the cache");
                second.signal("TERM");
                second.waitFor(Duration.ofSeconds(30));
            }
            String out2 = Files.readString(log2);
            assertTrue(out2.contains("persist: loaded " + NAMES + " of " + NAMES + " entries"), out2);
            System.out.println("[figures] " + out2.lines().filter(l -> l.contains("persist:")).toList());
        }
    }

    private static long upstreamQueries(FakeUpstream up) {
        return up.queries().stream().filter(q -> !q.isProbe()).count();
    }
}
