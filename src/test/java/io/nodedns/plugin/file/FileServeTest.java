package io.nodedns.plugin.file;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.nodedns.testing.DnsClient;
import io.nodedns.testing.FreePorts;
import io.nodedns.testing.TestServer;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.xbill.DNS.ARecord;
import org.xbill.DNS.CNAMERecord;
import org.xbill.DNS.Flags;
import org.xbill.DNS.Message;
import org.xbill.DNS.NSRecord;
import org.xbill.DNS.Rcode;
import org.xbill.DNS.Record;
import org.xbill.DNS.SOARecord;
import org.xbill.DNS.Section;
import org.xbill.DNS.TXTRecord;
import org.xbill.DNS.Type;

/** CoreDNS plugin/file over real sockets: one server with the test zone, a marker plugin after file. */
class FileServeTest {
    @TempDir
    static Path dir;
    private static TestServer server;
    private static DnsClient client;

    @BeforeAll
    static void start() throws Exception {
        Path zone = copyTestZone(dir);
        int port = FreePorts.udpAndTcp();
        server = TestServer.fromText("""
                example.org:%1$d {
                    file %2$s
                    marker next
                }
                example.net:%1$d {
                    file %2$s example.org
                }
                example.com:%1$d {
                    file %2$s example.org
                    marker outside
                }
                """.formatted(port, zone));
        client = new DnsClient(port);
    }

    @AfterAll
    static void stop() {
        client.close();
        server.close();
    }

    static Path copyTestZone(Path dir) throws IOException {
        Path zone = dir.resolve("db.example.org");
        try (InputStream in = FileServeTest.class.getResourceAsStream("db.example.org")) {
            Files.copy(in, zone);
        }
        return zone;
    }

    private static Message ask(String name, int type) throws IOException {
        Message reply = client.udp(DnsClient.query(name, type));
        assertNotNull(reply, "no reply for " + name);
        return reply;
    }

    private static List<Record> section(Message m, int section) {
        return m.getSection(section);
    }

    private static String address(Record r) {
        return ((ARecord) r).getAddress().getHostAddress();
    }

    private static void assertNegative(Message m, int rcode) {
        assertEquals(rcode, m.getRcode(), m.toString());
        assertTrue(m.getHeader().getFlag(Flags.AA), m.toString());
        assertEquals(0, section(m, Section.ANSWER).size(), m.toString());
        List<Record> ns = section(m, Section.AUTHORITY);
        assertEquals(1, ns.size(), m.toString());
        SOARecord soa = (SOARecord) ns.getFirst();
        assertEquals("example.org.", soa.getName().toString());
        assertEquals(2024010101L, soa.getSerial());
    }

    @Test
    void answersAAuthoritativelyWithApexNsAndKeepsQuestionCase() throws Exception {
        Message m = ask("WwW.Example.ORG", Type.A);
        assertEquals(Rcode.NOERROR, m.getRcode());
        assertTrue(m.getHeader().getFlag(Flags.AA));
        assertTrue(m.getHeader().getFlag(Flags.RD), "RD is copied");
        assertFalse(m.getHeader().getFlag(Flags.RA));
        assertEquals("WwW.Example.ORG.", m.getQuestion().getName().toString());
        List<Record> answer = section(m, Section.ANSWER);
        assertEquals(1, answer.size());
        assertEquals("WwW.Example.ORG.", answer.getFirst().getName().toString());
        assertEquals("192.0.2.80", address(answer.getFirst()));
        assertEquals(3600, answer.getFirst().getTTL());
        assertEquals(2, section(m, Section.AUTHORITY).size());
        assertEquals(Type.NS, section(m, Section.AUTHORITY).getFirst().getType());
    }

    @Test
    void answersAaaaOverUdpAndTcp() throws Exception {
        for (Message m : new Message[]{ask("www.example.org", Type.AAAA),
                client.tcp(DnsClient.query("www.example.org", Type.AAAA))}) {
            assertEquals(1, section(m, Section.ANSWER).size());
            assertEquals(InetAddress.getByName("2001:db8::80"),
                    ((org.xbill.DNS.AAAARecord) section(m, Section.ANSWER).getFirst()).getAddress());
        }
    }

    @Test
    void mxAndSrvCarryTargetAddressesOnceInAdditional() throws Exception {
        Message mx = ask("example.org", Type.MX);
        assertEquals(2, section(mx, Section.ANSWER).size());
        List<Record> extra = section(mx, Section.ADDITIONAL);
        assertEquals(2, extra.size(), mx.toString());
        assertEquals(Type.A, extra.get(0).getType());
        assertEquals("mail.example.org.", extra.get(0).getName().toString());
        assertEquals(Type.AAAA, extra.get(1).getType());
        Message srv = ask("_sip._tcp.example.org", Type.SRV);
        assertEquals(1, section(srv, Section.ANSWER).size());
        assertEquals(2, section(srv, Section.ADDITIONAL).size());
    }

    @Test
    void apexSoaAndNsQueries() throws Exception {
        Message soa = ask("example.org", Type.SOA);
        assertEquals(Type.SOA, section(soa, Section.ANSWER).getFirst().getType());
        assertEquals(2, section(soa, Section.AUTHORITY).size());
        Message ns = ask("example.org", Type.NS);
        assertEquals(2, section(ns, Section.ANSWER).size());
        assertEquals(0, section(ns, Section.AUTHORITY).size());
        List<Record> glue = section(ns, Section.ADDITIONAL);
        assertEquals(List.of("ns1.example.org.", "ns2.example.org."),
                glue.stream().map(r -> r.getName().toString()).toList());
    }

    @Test
    void followsCnameChainInsideTheZone() throws Exception {
        Message m = ask("alias2.example.org", Type.A);
        assertEquals(Rcode.NOERROR, m.getRcode());
        assertTrue(m.getHeader().getFlag(Flags.AA));
        List<Record> answer = section(m, Section.ANSWER);
        assertEquals(3, answer.size(), m.toString());
        assertEquals("alias.example.org.", ((CNAMERecord) answer.get(0)).getTarget().toString());
        assertEquals("alias2.example.org.", answer.get(0).getName().toString());
        assertEquals("www.example.org.", ((CNAMERecord) answer.get(1)).getTarget().toString());
        assertEquals("www.example.org.", answer.get(2).getName().toString());
        assertEquals("192.0.2.80", address(answer.get(2)));
        Message cname = ask("alias2.example.org", Type.CNAME);
        assertEquals(1, section(cname, Section.ANSWER).size(), "a CNAME query is not chased");
    }

    @Test
    void cnameLeavingTheZoneOrDanglingOrLooping() throws Exception {
        Message ext = ask("ext.example.org", Type.A);
        assertEquals(Rcode.NOERROR, ext.getRcode());
        assertEquals(1, section(ext, Section.ANSWER).size());
        Message dangling = ask("dangling.example.org", Type.A);
        assertEquals(Rcode.NXDOMAIN, dangling.getRcode());
        assertEquals(1, section(dangling, Section.ANSWER).size());
        assertEquals(Type.SOA, section(dangling, Section.AUTHORITY).getFirst().getType());
        Message loop = ask("loop1.example.org", Type.A);
        assertNotNull(loop);
        assertTrue(section(loop, Section.ANSWER).size() >= 2, loop.toString());
    }

    @Test
    void wildcardsSynthesizeForTheQueryName() throws Exception {
        Message a = ask("Anything.wild.example.org", Type.A);
        assertEquals(Rcode.NOERROR, a.getRcode());
        assertEquals("Anything.wild.example.org.", section(a, Section.ANSWER).getFirst().getName().toString());
        assertEquals("192.0.2.99", address(section(a, Section.ANSWER).getFirst()));
        Message txt = ask("other.wild.example.org", Type.TXT);
        assertEquals(List.of("wildcard"), ((TXTRecord) section(txt, Section.ANSWER).getFirst()).getStrings());
        assertEquals("192.0.2.98", address(section(ask("host.wild.example.org", Type.A), Section.ANSWER).getFirst()));
        // RFC 4592: host.wild exists, so it is the closest encloser and *.wild does not apply below it
        assertNegative(ask("x.host.wild.example.org", Type.A), Rcode.NXDOMAIN);
        // a deeper name still matches the wildcard of its closest encloser
        assertEquals("192.0.2.99", address(section(ask("x.y.wild.example.org", Type.A), Section.ANSWER).getFirst()));
        assertNegative(ask("any.wild.example.org", Type.MX), Rcode.NOERROR);
    }

    @Test
    void wildcardCnameIsChased() throws Exception {
        Message m = ask("foo.cn.example.org", Type.A);
        List<Record> answer = section(m, Section.ANSWER);
        assertEquals(2, answer.size(), m.toString());
        assertEquals("foo.cn.example.org.", answer.get(0).getName().toString());
        assertEquals("192.0.2.80", address(answer.get(1)));
    }

    @Test
    void nxdomainAndNodataCarryTheSoa() throws Exception {
        assertNegative(ask("nope.example.org", Type.A), Rcode.NXDOMAIN);
        assertNegative(ask("www.example.org", Type.TXT), Rcode.NOERROR);
        // an empty non-terminal exists: NOERROR, no answer
        assertNegative(ask("b.c.example.org", Type.A), Rcode.NOERROR);
        assertEquals("192.0.2.3", address(section(ask("a.b.c.example.org", Type.A), Section.ANSWER).getFirst()));
    }

    @Test
    void delegationIsAReferralWithGlue() throws Exception {
        Message m = ask("host.sub.example.org", Type.A);
        assertEquals(Rcode.NOERROR, m.getRcode());
        assertFalse(m.getHeader().getFlag(Flags.AA), "a referral is not authoritative");
        assertEquals(0, section(m, Section.ANSWER).size());
        List<Record> ns = section(m, Section.AUTHORITY);
        assertEquals(2, ns.size());
        assertEquals("sub.example.org.", ns.getFirst().getName().toString());
        assertEquals("ns.sub.example.org.", ((NSRecord) ns.getFirst()).getTarget().toString());
        List<Record> glue = section(m, Section.ADDITIONAL);
        assertEquals(1, glue.size(), "only in-bailiwick glue");
        assertEquals("192.0.2.53", address(glue.getFirst()));
        // the glue name itself lies below the cut: also a referral
        assertFalse(ask("ns.sub.example.org", Type.A).getHeader().getFlag(Flags.AA));
        // DS at the cut belongs to the parent side
        Message ds = ask("sub.example.org", Type.DS);
        assertTrue(ds.getHeader().getFlag(Flags.AA));
        assertNegative(ds, Rcode.NOERROR);
    }

    @Test
    void zoneTransfersAreRefused() throws Exception {
        assertEquals(Rcode.REFUSED, client.tcp(DnsClient.query("example.org", Type.AXFR)).getRcode());
        assertEquals(Rcode.REFUSED, ask("example.org", Type.IXFR).getRcode());
    }

    @Test
    void namesOutsideTheZoneGoToTheNextPluginOrAreRefused() throws Exception {
        // the example.net block's file serves example.org only and has no next plugin
        assertEquals(Rcode.REFUSED, ask("www.example.net", Type.A).getRcode());
        Message outside = ask("www.example.com", Type.A);
        assertEquals(List.of("outside"), ((TXTRecord) section(outside, Section.ANSWER).getFirst()).getStrings());
        Message inside = ask("www.example.org", Type.A);
        assertEquals(Type.A, section(inside, Section.ANSWER).getFirst().getType(), "file answers before marker");
        // without fallthrough an NXDOMAIN stays with file
        assertNegative(ask("nope.example.org", Type.TXT), Rcode.NXDOMAIN);
    }

    @Test
    void ednsIsEchoed() throws Exception {
        Message m = client.udp(DnsClient.withEdns(DnsClient.query("www.example.org", Type.A), 1232, true));
        assertNotNull(m.getOPT());
        assertEquals(1, section(m, Section.ANSWER).size());
    }
}
