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
import org.xbill.DNS.Type;

/**
 * Issue 23 build 4 under the image's JVM flags: the node-local-dns Corefile plus one stub-domain
 * block (five default caches) starts and answers; one more block goes over the cache budget and
 * the process exits with the file:line of that block's cache.
 */
@Unmeasured
class CacheBudgetProcessTest {
    @TempDir
    Path dir;

    @Test
    @Timeout(60)
    void theNodeLocalCorefilePlusOneCacheStartsAndOneMoreFailsWithItsLine() throws Exception {
        try (FakeUpstream upstream = FakeUpstream.start()) {
            int port = FreePorts.udpAndTcp();
            String cluster = "        success 9984 30\n        denial 9984 5\n";
            Path corefile = dir.resolve("Corefile");
            Files.writeString(corefile,
                    NodeLocalCorefile.nodeLocal(port, upstream.hostPort(), FreePorts.udpAndTcp(), cluster, 1));
            try (ImageJvm p = ImageJvm.start(corefile, dir.resolve("five.log"));
                    DnsClient client = new DnsClient("127.0.0.1", port)) {
                Message first = p.awaitReply(client, DnsClient.query("a.stub0.example", Type.A),
                        Duration.ofSeconds(40));
                assertTrue(first.getRcode() == Rcode.NOERROR, "five caches started under -Xmx128m: " + p.log());
                for (String name : new String[]{"kube-dns.kube-system.svc.cluster.local", "1.0.0.127.in-addr.arpa",
                        "example.com"}) {
                    Message m = client.udp(DnsClient.query(name, Type.A));
                    assertTrue(m != null && m.getRcode() == Rcode.NOERROR, name);
                }
            }

            String six = NodeLocalCorefile.nodeLocal(port, upstream.hostPort(), FreePorts.udpAndTcp(), cluster, 2);
            Files.writeString(corefile, six);
            String log;
            try (ImageJvm q = ImageJvm.start(corefile, dir.resolve("six.log"))) {
                assertTrue(q.waitFor(Duration.ofSeconds(30)), "a config over the budget ends the process");
                log = q.log();
                assertTrue(q.exitValue() != 0, log);
            }
            int line = NodeLocalCorefile.cacheLine(six, 6);
            assertTrue(log.contains(corefile + ":" + line), "names the sixth cache, line " + line + ": " + log);
            assertTrue(log.contains("more than the cache budget"), log);
            assertTrue(!log.contains("OutOfMemoryError"), log);
            System.out.println("six caches: " + log.lines().filter(l -> l.contains("budget")).findFirst().orElse(""));
            assertEquals(6, six.lines().filter(l -> l.trim().startsWith("cache")).count());
        }
    }
}
