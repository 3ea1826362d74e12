package io.nodedns;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.nodedns.testing.BigConfigFiles;
import io.nodedns.testing.DnsClient;
import io.nodedns.testing.FreePorts;
import io.nodedns.testing.ImageJvm;
import io.nodedns.testing.Unmeasured;
import java.io.IOException;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.xbill.DNS.AAAARecord;
import org.xbill.DNS.ARecord;
import org.xbill.DNS.CNAMERecord;
import org.xbill.DNS.Flags;
import org.xbill.DNS.Message;
import org.xbill.DNS.PTRRecord;
import org.xbill.DNS.Rcode;
import org.xbill.DNS.Record;
import org.xbill.DNS.ReverseMap;
import org.xbill.DNS.Section;
import org.xbill.DNS.TXTRecord;
import org.xbill.DNS.Type;

/**
 * Large configuration input in a real JVM with the image's flags (deploy/image/nodedns: SerialGC,
 * -Xmx128m, exit on OOM) beside the node-local Corefile's four cache-and-forward blocks: a
 * million-record zone and a 500k-line hosts file load and answer; {@code -conf /dev/zero} fails
 * fast with a clear error. Each test prints its load time and the heap after a full GC.
 */
@Unmeasured // its figures are the child's heap after a full GC; its load time is printed, bounded at 90 s
@Order(2) // the longest Unmeasured class first, beside the outage test
class LargeConfigTest {
    /** About 15 s on an idle 2-core machine; the margin is for a machine shared with other builds. */
    private static final Duration LOAD = Duration.ofSeconds(90);

    @TempDir
    Path dir;

    @Test
    void aMillionRecordZoneLoadsAndAnswers() throws Exception {
        int records = 1_000_000;
        Path zone = dir.resolve("db.big");
        BigConfigFiles.zone(zone, "example.org.", records);
        int port = FreePorts.udpAndTcp();
        Path corefile = corefile(port, "example.org:%d {\n    bind 127.0.0.1\n    file %s\n}\n".formatted(port, zone));
        int last = records - 8; // the last generated host, i % 100 == 92: a TXT host
        try (ImageJvm s = start(corefile); DnsClient client = new DnsClient(port)) {
            long millis = awaitAnswer(s, client, DnsClient.query("h" + last + ".example.org", Type.TXT));
            Message a = client.udp(DnsClient.query("H0.example.org", Type.A));
            assertEquals(Rcode.NOERROR, a.getRcode());
            assertTrue(a.getHeader().getFlag(Flags.AA));
            assertEquals(InetAddress.getByName(BigConfigFiles.v4(0)),
                    ((ARecord) a.getSection(Section.ANSWER).getFirst()).getAddress());
            assertEquals("H0.example.org.", a.getSection(Section.ANSWER).getFirst().getName().toString(),
                    "question case kept");
            assertEquals(2, a.getSection(Section.AUTHORITY).size(), "apex NS in authority");
            Message aaaa = client.udp(DnsClient.query("h777780.example.org", Type.AAAA));
            assertEquals(InetAddress.getByName(BigConfigFiles.v6(777780)),
                    ((AAAARecord) aaaa.getSection(Section.ANSWER).getFirst()).getAddress());
            Message lastTxt = client.udp(DnsClient.query("h" + last + ".example.org", Type.TXT));
            assertEquals("v=" + last,
                    ((TXTRecord) lastTxt.getSection(Section.ANSWER).getFirst()).getStrings().getFirst());
            Message txt = client.udp(DnsClient.query("h500096.example.org", Type.TXT));
            assertEquals("v=500096", ((TXTRecord) txt.getSection(Section.ANSWER).getFirst()).getStrings().getFirst());
            Message cname = client.udp(DnsClient.query("h500097.example.org", Type.TXT));
            List<Record> chain = cname.getSection(Section.ANSWER);
            assertEquals(2, chain.size(), cname.toString());
            assertEquals("h500096.example.org.", ((CNAMERecord) chain.getFirst()).getTarget().toString());
            Message mx = client.udp(DnsClient.query("h500099.example.org", Type.MX));
            assertEquals(1, mx.getSection(Section.ADDITIONAL).size(), "the MX target's address: " + mx);
            Message nodata = client.udp(DnsClient.query("h0.example.org", Type.AAAA));
            assertEquals(Rcode.NOERROR, nodata.getRcode());
            assertEquals(Type.SOA, nodata.getSection(Section.AUTHORITY).getFirst().getType());
            assertEquals(Rcode.NXDOMAIN,
                    client.udp(DnsClient.query("h" + records + ".example.org", Type.A)).getRcode());
            Message wild = client.udp(DnsClient.query("any.w.example.org", Type.A));
            assertEquals("any.w.example.org.", wild.getSection(Section.ANSWER).getFirst().getName().toString());
            Message referral = client.udp(DnsClient.query("x.sub.example.org", Type.A));
            assertEquals(Type.NS, referral.getSection(Section.AUTHORITY).getFirst().getType());
            long heap = heapMiB(s);
            System.out.printf("1M-record zone: answering %d ms after start, heap after full GC %d MiB%n", millis, heap);
            assertTrue(heap < 96, heap + " MiB"); // about 55 MiB of zone data
        }
    }

    @Test
    void aHalfMillionLineHostsFileLoadsAndAnswers() throws Exception {
        int lines = 500_000;
        Path hosts = dir.resolve("hosts");
        BigConfigFiles.hosts(hosts, "example.net", lines);
        int port = FreePorts.udpAndTcp();
        Path corefile = corefile(port,
                "example.net:%1$d 10.in-addr.arpa:%1$d {\n    bind 127.0.0.1\n    hosts %2$s\n}\n"
                        .formatted(port, hosts));
        int last = lines - 3; // the last generated line, an IPv4 one
        try (ImageJvm s = start(corefile); DnsClient client = new DnsClient(port)) {
            long millis = awaitAnswer(s, client, DnsClient.query("h" + last + ".example.net", Type.A));
            Message a = client.udp(DnsClient.query("h" + last + ".example.net", Type.A));
            assertEquals(InetAddress.getByName(BigConfigFiles.v4(last)),
                    ((ARecord) a.getSection(Section.ANSWER).getFirst()).getAddress());
            Message aaaa = client.udp(DnsClient.query("h9.example.net", Type.AAAA));
            assertEquals(InetAddress.getByName(BigConfigFiles.v6(9)),
                    ((AAAARecord) aaaa.getSection(Section.ANSWER).getFirst()).getAddress());
            Message second = client.udp(DnsClient.query("a300.example.net", Type.A));
            assertEquals(InetAddress.getByName(BigConfigFiles.v4(300)),
                    ((ARecord) second.getSection(Section.ANSWER).getFirst()).getAddress());
            Message ptr = client
                    .udp(DnsClient.query(ReverseMap.fromAddress(BigConfigFiles.v4(300)).toString(), Type.PTR));
            List<Record> names = ptr.getSection(Section.ANSWER);
            assertEquals(List.of("h300.example.net.", "a300.example.net."),
                    names.stream().map(r -> ((PTRRecord) r).getTarget().toString()).toList(), "file order");
            assertEquals(Rcode.NOERROR, client.udp(DnsClient.query("h9.example.net", Type.A)).getRcode());
            assertEquals(Rcode.SERVFAIL, client.udp(DnsClient.query("nope.example.net", Type.A)).getRcode());
            long heap = heapMiB(s);
            System.out.printf("500k-line hosts file: answering %d ms after start, heap after full GC %d MiB%n", millis,
                    heap);
            assertTrue(heap < 80, heap + " MiB"); // about 38 MiB of hosts data
        }
    }

    @Test
    void devZeroAsCorefileFailsFastWithItsLine() throws Exception {
        long start = System.nanoTime();
        try (ImageJvm s = start(Path.of("/dev/zero"))) {
            assertTrue(s.waitFor(Duration.ofSeconds(30)), "exited");
            String log = s.log();
            assertEquals(1, s.exitValue(), log);
            assertTrue(log.contains("/dev/zero:1") && log.contains("not text: NUL byte"), log);
            assertTrue(!log.contains("OutOfMemoryError"), log);
        }
        System.out.printf("-conf /dev/zero: exit 1 after %d ms%n", (System.nanoTime() - start) / 1_000_000);
    }

    /**
     * The node-local Corefile (deploy/nodelocaldns.yaml: four blocks with their default-size
     * caches) on {@code port}, forwarding nowhere, plus {@code extra}. The caches grow with what
     * they store, so here, empty, they take about 74 KiB each.
     */
    private Path corefile(int port, String extra) throws IOException {
        int dead = FreePorts.udpAndTcp(); // nothing listens: the forwards are never used
        StringBuilder b = new StringBuilder();
        for (String zone : List.of("cluster.local", "in-addr.arpa", "ip6.arpa", ".")) {
            b.append(zone).append(':').append(port).append(" {\n    errors\n")
                    .append(zone.equals("cluster.local")
                            ? "    cache {\n        success 9984 30\n        denial 9984 5\n    }\n"
                            : "    cache 30\n")
                    .append("    bind 127.0.0.1\n    forward . 127.0.0.1:").append(dead).append("\n}\n");
        }
        b.append(extra);
        Path file = dir.resolve("Corefile");
        Files.writeString(file, b.toString());
        return file;
    }

    private ImageJvm start(Path corefile) throws IOException {
        return ImageJvm.start(corefile, dir.resolve("server.log"));
    }

    /** Waits until {@code query} gets NOERROR; returns the milliseconds since start. */
    private static long awaitAnswer(ImageJvm s, DnsClient client, Message query) throws Exception {
        s.awaitReply(client, query, LOAD, m -> m.getRcode() == Rcode.NOERROR);
        return s.millisSinceStart();
    }

    /** Heap used after a full GC, from jcmd (GC.heap_info). */
    private static long heapMiB(ImageJvm s) throws Exception {
        s.jcmd("GC.run");
        String info = s.jcmd("GC.heap_info");
        long usedK = 0;
        for (String line : info.split("\n")) {
            String t = line.trim();
            int at = t.indexOf("used ");
            if (at >= 0 && (t.startsWith("DefNew") || t.startsWith("Tenured") || t.startsWith("def new generation")
                    || t.startsWith("tenured generation"))) {
                usedK += Long.parseLong(t.substring(at + 5).split("K")[0].trim());
            }
        }
        assertTrue(usedK > 0, "jcmd GC.heap_info: " + info);
        return usedK >> 10;
    }
}
