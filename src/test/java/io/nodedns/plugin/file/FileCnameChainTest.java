package io.nodedns.plugin.file;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.nodedns.server.SelfLookup;
import io.nodedns.testing.DnsClient;
import io.nodedns.testing.FakeUpstream;
import io.nodedns.testing.FreePorts;
import io.nodedns.testing.TestServer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.xbill.DNS.DClass;
import org.xbill.DNS.Message;
import org.xbill.DNS.Name;
import org.xbill.DNS.Rcode;
import org.xbill.DNS.Record;
import org.xbill.DNS.SOARecord;
import org.xbill.DNS.Section;
import org.xbill.DNS.Type;

/**
 * A CNAME leaving the zone is followed through the server's own chain (CoreDNS file externalLookup
 * with pkg/upstream), over real sockets: the target is forwarded to a loopback fake upstream and its
 * records follow the CNAME in one reply.
 */
class FileCnameChainTest {
    @TempDir
    static Path dir;
    private static FakeUpstream upstream;
    private static TestServer server;
    private static DnsClient client;

    @BeforeAll
    static void start() throws Exception {
        upstream = FakeUpstream.start().reply(q -> {
            if (q.getQuestion().getName().toString().startsWith("nx.")) {
                Message r = FakeUpstream.replyTo(q, Rcode.NXDOMAIN);
                r.addRecord(soa("example.net."), Section.AUTHORITY);
                return r;
            }
            return FakeUpstream.answer(q);
        });
        Files.writeString(dir.resolve("db.example.org"), """
                $ORIGIN example.org.
                @       3600 IN SOA ns hostmaster 1 7200 3600 1209600 300
                @       3600 IN NS  ns
                ns      3600 IN A   10.0.0.53
                www     3600 IN A   10.0.0.1
                alias   3600 IN CNAME www
                out     3600 IN CNAME target.example.net.
                gone    3600 IN CNAME nx.example.net.
                loop    3600 IN CNAME a.loop.test.
                """);
        Files.writeString(dir.resolve("db.loop.test"), """
                $ORIGIN loop.test.
                @       3600 IN SOA ns hostmaster 1 7200 3600 1209600 300
                a       3600 IN CNAME loop.example.org.
                """);
        int port = FreePorts.udpAndTcp();
        server = TestServer.fromText("""
                example.org:%1$d {
                    bind 127.0.0.1
                    file %2$s/db.example.org
                }
                loop.test:%1$d {
                    bind 127.0.0.1
                    file %2$s/db.loop.test
                }
                .:%1$d {
                    bind 127.0.0.1
                    forward . %3$s
                }
                """.formatted(port, dir, upstream.hostPort()));
        client = new DnsClient(port);
    }

    @AfterAll
    static void stop() {
        client.close();
        server.close();
        upstream.close();
    }

    private static SOARecord soa(String zone) {
        try {
            Name z = Name.fromString(zone);
            return new SOARecord(z, DClass.IN, 300, Name.fromString("ns", z), Name.fromString("hostmaster", z), 1,
                    7200, 3600, 1209600, 300);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    private static List<String> answer(Message r) {
        return r.getSection(Section.ANSWER).stream()
                .map(x -> x.getName() + " " + Type.string(x.getType()) + " " + x.rdataToString()).toList();
    }

    @Test
    @Timeout(20)
    void outOfZoneTargetIsAnsweredThroughForward() throws Exception {
        Message r = client.udp(DnsClient.query("out.example.org.", Type.A));
        assertEquals(Rcode.NOERROR, r.getRcode(), r.toString());
        assertEquals(List.of("out.example.org. CNAME target.example.net.", "target.example.net. A 192.0.2.1"),
                answer(r),
                r.toString());
        assertTrue(r.getHeader().getFlag(org.xbill.DNS.Flags.AA), "file's answer stays authoritative\n" + r);

        r = client.tcp(DnsClient.query("out.example.org.", Type.AAAA));
        assertEquals(
                List.of("out.example.org. CNAME target.example.net.", "target.example.net. AAAA 2001:db8:0:0:0:0:0:1"),
                answer(r), r.toString());
    }

    @Test
    @Timeout(20)
    void aCnameQuestionIsNotFollowed() throws Exception {
        upstream.clear();
        Message r = client.udp(DnsClient.query("out.example.org.", Type.CNAME));
        assertEquals(List.of("out.example.org. CNAME target.example.net."), answer(r), r.toString());
        assertEquals(0, upstream.clientQueries(), "nothing asked upstream for a CNAME question");
    }

    @Test
    @Timeout(20)
    void inZoneChainUnchanged() throws Exception {
        upstream.clear();
        Message r = client.udp(DnsClient.query("alias.example.org.", Type.A));
        assertEquals(List.of("alias.example.org. CNAME www.example.org.", "www.example.org. A 10.0.0.1"), answer(r),
                r.toString());
        assertEquals(Type.NS, r.getSection(Section.AUTHORITY).getFirst().getType(), r.toString());
        assertEquals(0, upstream.clientQueries(), "an in-zone chain asks nobody");
    }

    @Test
    @Timeout(20)
    void nxdomainTargetMakesTheReplyNxdomain() throws Exception {
        Message r = client.udp(DnsClient.query("gone.example.org.", Type.A));
        assertEquals(Rcode.NXDOMAIN, r.getRcode(), r.toString());
        assertEquals(List.of("gone.example.org. CNAME nx.example.net."), answer(r), r.toString());
        List<Record> authority = r.getSection(Section.AUTHORITY);
        assertEquals(1, authority.size(), r.toString());
        assertEquals("example.net.", authority.getFirst().getName().toString(), "the target's SOA\n" + r);
    }

    @Test
    @Timeout(20)
    void aLoopAcrossBlocksIsBounded() throws Exception {
        long start = System.nanoTime();
        Message r = client.udp(DnsClient.query("loop.example.org.", Type.A));
        long millis = (System.nanoTime() - start) / 1_000_000;
        assertEquals(Rcode.NOERROR, r.getRcode(), r.toString());
        assertEquals(List.of("loop.example.org. CNAME a.loop.test.", "a.loop.test. CNAME loop.example.org."), answer(r),
                "each record once, the chain ends after " + SelfLookup.MAX_DEPTH + " lookups\n" + r);
        assertTrue(millis < 4000, "bounded, not timed out: " + millis + " ms");
    }
}
