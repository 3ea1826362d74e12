package io.nodedns.plugin.loadbalance;

import io.nodedns.testing.LoopAllocations;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.nodedns.config.ConfigException;
import io.nodedns.server.Exchange;
import io.nodedns.testing.DnsClient;
import io.nodedns.testing.FreePorts;
import io.nodedns.testing.SetupErrors;
import io.nodedns.testing.TestServer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.xbill.DNS.Message;
import org.xbill.DNS.Rcode;
import org.xbill.DNS.Record;
import org.xbill.DNS.Section;
import org.xbill.DNS.Type;

/** The weighted policy (CoreDNS plugin/loadbalance weighted.go) over real sockets: ratios, reload, file errors. */
class WeightedLoadbalanceTest {
    @TempDir
    Path dir;

    private Path hosts() throws Exception {
        return Files.writeString(dir.resolve("hosts"),
                "100.64.1.1 www.example.org\n100.64.1.2 www.example.org\n100.64.1.3 www.example.org\n100.64.1.4 www.example.org\n");
    }

    private static Map<String, Integer> tops(DnsClient client, int queries) throws Exception {
        Map<String, Integer> tops = new HashMap<>();
        for (int i = 0; i < queries; i++) {
            Message reply = client.udp(DnsClient.query("www.example.org", Type.A));
            assertEquals(Rcode.NOERROR, reply.getRcode());
            List<Record> answers = reply.getSection(Section.ANSWER);
            Set<String> all = new TreeSet<>();
            for (Record r : answers) {
                all.add(r.rdataToString());
            }
            assertEquals(4, all.size(), "every address present: " + answers);
            tops.merge(answers.getFirst().rdataToString(), 1, Integer::sum);
        }
        return tops;
    }

    @Test
    void topAddressFollowsTheWeights() throws Exception {
        // CoreDNS's README example (3 : 1 : 2), plus one address the file does not name (weight 1)
        Path weights = Files.writeString(dir.resolve("w"),
                "# comment\n\nwww.example.org\n100.64.1.1 3\n100.64.1.2 1\n  100.64.1.3   2  \n");
        int port = FreePorts.udpAndTcp();
        try (TestServer s = TestServer
                .fromText(".:%d {\n loadbalance weighted %s\n hosts %s\n}\n".formatted(port, weights, hosts()));
                DnsClient client = new DnsClient(port)) {
            Map<String, Integer> tops = tops(client, 1400);
            // expected 600 : 200 : 400 : 200 of 1400; bounds are about 5 standard deviations wide
            assertBetween(tops, "100.64.1.1", 500, 700);
            assertBetween(tops, "100.64.1.2", 130, 270);
            assertBetween(tops, "100.64.1.3", 310, 490);
            assertBetween(tops, "100.64.1.4", 130, 270);
            Message aaaa = client.udp(DnsClient.query("www.example.org", Type.AAAA));
            assertEquals(Rcode.NOERROR, aaaa.getRcode(), "no address records: the reply passes unchanged");
        }
    }

    private static void assertBetween(Map<String, Integer> tops, String address, int low, int high) {
        int n = tops.getOrDefault(address, 0);
        assertTrue(n >= low && n <= high,
                address + " first " + n + " times, expected " + low + ".." + high + ": " + tops);
    }

    @Test
    void reloadPicksUpANewFileAndAMissingOneAppearsLater() throws Exception {
        Path weights = dir.resolve("later.weights");
        int port = FreePorts.udpAndTcp();
        try (TestServer s = TestServer.fromText(".:%d {\n loadbalance weighted %s {\n reload 100ms\n }\n hosts %s\n}\n"
                .formatted(port, weights, hosts()));
                DnsClient client = new DnsClient(port)) {
            assertTrue(tops(client, 200).size() >= 3, "no file yet: every address weighs 1");
            replace(weights, "WWW.Example.Org.\n100.64.1.2 255\n");
            assertTrue(waitForTop(client, "100.64.1.2"), "the file, once there, is read (name case ignored)");
            replace(weights, "www.example.org\n100.64.1.4 255\n");
            assertTrue(waitForTop(client, "100.64.1.4"), "a changed file is read again");
            replace(weights, "www.example.org\n100.64.1.4 256\n");
            Thread.sleep(400);
            assertTrue(tops(client, 100).getOrDefault("100.64.1.4", 0) > 90, "a broken file keeps the last weights");
        }
    }

    /** Writes the file as a ConfigMap update does, with a rename: a reader never sees it half written. */
    private static void replace(Path file, String content) throws Exception {
        Path tmp = Files.writeString(file.resolveSibling(file.getFileName() + ".tmp"), content);
        Files.move(tmp, file, java.nio.file.StandardCopyOption.ATOMIC_MOVE,
                java.nio.file.StandardCopyOption.REPLACE_EXISTING);
    }

    /** True once 100.64.1.x comes first in at least 190 of 200 replies (255 : 1 : 1 : 1 gives 98.8 %). */
    private static boolean waitForTop(DnsClient client, String address) throws Exception {
        long deadline = System.nanoTime() + 10_000_000_000L;
        while (System.nanoTime() < deadline) {
            if (tops(client, 200).getOrDefault(address, 0) >= 190) {
                return true;
            }
            Thread.sleep(50);
        }
        return false;
    }

    @Test
    void malformedWeightFilesFailTheLoadAtTheirLine() throws Exception {
        assertWeightFileFails("example.org\n10.0.0.1 3\n10.0.0.2\n", 3, "wrong domain name: \"10.0.0.2\"");
        assertWeightFileFails("\n10.0.0.1 3\n", 2, "missing domain name");
        assertWeightFileFails("example.org\n10.0.0.300 3\n", 2, "wrong IP address: \"10.0.0.300\"");
        assertWeightFileFails("example.org\n10.0.0.1 0\n", 2, "wrong weight value: \"0\"");
        assertWeightFileFails("example.org\n10.0.0.1 256\n", 2, "wrong weight value: \"256\"");
        assertWeightFileFails("example.org\n10.0.0.1 +3\n", 2, "wrong weight value");
        assertWeightFileFails("example.org\n10.0.0.1 3 4\n", 2, "could not parse weight line");
        assertWeightFileFails("example..org\n", 1, "wrong domain name");
        ConfigException missing = SetupErrors
                .assertFails(".:53 {\n loadbalance weighted %s {\n reload 0s\n }\n whoami\n}\n"
                        .formatted(dir.resolve("absent")), 2, "cannot read weight file");
        assertTrue(missing.getMessage().contains("absent"), missing.getMessage());
    }

    private void assertWeightFileFails(String content, int line, String fragment) throws Exception {
        Path weights = Files.writeString(dir.resolve("bad.weights"), content);
        SetupErrors.assertFailsIn(weights.toString(),
                () -> SetupErrors.build(".:53 {\n loadbalance weighted %s\n whoami\n}\n".formatted(weights)), line,
                fragment);
    }

    @Test
    void weightedHookAllocatesNothingPerReply() throws Exception {
        StringBuilder text = new StringBuilder();
        for (int i = 0; i < 1000; i++) { // the owner is found by one probe, not a walk over these
            text.append("host").append(i).append(".cdn.example.net\n192.0.2.1 2\n");
        }
        Path weights = Files.writeString(dir.resolve("w"), text + "edge.cdn.example.net\n192.0.2.1 5\n192.0.2.3 9\n");
        WeightFile file = new WeightFile(weights);
        file.load();
        Exchange ex = LoadbalanceTest.fiveAddressExchange();
        LoadbalanceHandler lb = new LoadbalanceHandler(PreferredSubnets.NONE, file);
        LoopAllocations.calls("weighted replies", 100_000, i -> lb.onResponse(ex)).assertNothingAllocated();
        List<Record> answers = LoadbalanceTest.reply(ex).getSection(Section.ANSWER);
        assertEquals(Type.CNAME, answers.getFirst().getType(), "CNAME stays first");
        assertEquals(6, answers.size());
    }
}
