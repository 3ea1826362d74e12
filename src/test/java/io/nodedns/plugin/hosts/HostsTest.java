package io.nodedns.plugin.hosts;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.nodedns.testing.DnsClient;
import io.nodedns.testing.FreePorts;
import io.nodedns.testing.TestServer;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.xbill.DNS.AAAARecord;
import org.xbill.DNS.ARecord;
import org.xbill.DNS.Flags;
import org.xbill.DNS.Message;
import org.xbill.DNS.PTRRecord;
import org.xbill.DNS.Rcode;
import org.xbill.DNS.Record;
import org.xbill.DNS.ReverseMap;
import org.xbill.DNS.Section;
import org.xbill.DNS.Type;

/** CoreDNS plugin/hosts and 8.4 over real sockets; whoami behind hosts shows when a query was passed on. */
class HostsTest {
    private static final String FILE = """
            # comment line
            10.0.0.1   www.example.org   alias.example.org  # trailing comment
            10.0.0.2   www.example.org
            fe80::1%eth0 www.example.org
            2001:db8::7  v6only.example.org
            ::ffff:192.0.2.9 mapped.example.org
            10.0.0.50  *.wild.example.org
            10.0.0.51  exact.wild.example.org
            10.0.0.99  outside.example.net
            not-an-ip  broken.example.org
            10.0.0.3
            """;

    @TempDir
    Path dir;

    private TestServer server(Path hosts, String options, int port) throws Exception {
        return TestServer
                .fromText(".:%d {\n hosts %s example.org {\n%s\n }\n whoami\n}\n".formatted(port, hosts, options));
    }

    private static Set<String> addresses(Message reply) {
        Set<String> out = new TreeSet<>();
        for (Record r : reply.getSection(Section.ANSWER)) {
            if (r instanceof ARecord a) {
                out.add(a.getAddress().getHostAddress());
            } else if (r instanceof AAAARecord a) {
                out.add(a.getAddress().getHostAddress());
            }
        }
        return out;
    }

    /** whoami answered: the query passed hosts. */
    private static boolean passedOn(Message reply) {
        return reply.getRcode() == Rcode.NOERROR && reply.getSection(Section.ADDITIONAL).size() == 2;
    }

    @Test
    void answersFromFileAuthoritativelyKeepingCase() throws Exception {
        Path hosts = Files.writeString(dir.resolve("hosts"), FILE);
        int port = FreePorts.udpAndTcp();
        try (TestServer s = server(hosts, "ttl 300", port); DnsClient client = new DnsClient(port)) {
            Message a = client.udp(DnsClient.query("WwW.Example.ORG", Type.A));
            assertEquals(Rcode.NOERROR, a.getRcode());
            assertTrue(a.getHeader().getFlag(Flags.AA));
            assertTrue(a.getHeader().getFlag(Flags.RD), "RD copied");
            assertEquals(Set.of("10.0.0.1", "10.0.0.2"), addresses(a));
            for (Record r : a.getSection(Section.ANSWER)) {
                assertEquals("WwW.Example.ORG.", r.getName().toString(), "owner keeps the question's case");
                assertEquals(300, r.getTTL());
            }
            assertEquals(0, a.getSection(Section.AUTHORITY).size(), "no SOA");
            Message six = client.tcp(DnsClient.query("www.example.org", Type.AAAA));
            assertEquals(Set.of("fe80:0:0:0:0:0:0:1"), addresses(six), "zone index dropped");
            assertEquals(Set.of("10.0.0.1"), addresses(client.udp(DnsClient.query("alias.example.org", Type.A))));
            assertEquals(Set.of("192.0.2.9"), addresses(client.udp(DnsClient.query("mapped.example.org", Type.A))),
                    "an IPv4-mapped address is an A record");
            assertEquals(0,
                    client.udp(DnsClient.query("mapped.example.org", Type.AAAA)).getSection(Section.ANSWER).size());
        }
    }

    @Test
    void nodataUnknownAndOutsideZones() throws Exception {
        Path hosts = Files.writeString(dir.resolve("hosts"), FILE);
        int port = FreePorts.udpAndTcp();
        try (TestServer s = server(hosts, "", port); DnsClient client = new DnsClient(port)) {
            for (int type : List.of(Type.AAAA, Type.TXT, Type.MX)) {
                Message nodata = client.udp(DnsClient
                        .query("v6only.example.org".replace("v6only", type == Type.AAAA ? "alias" : "v6only"), type));
                assertEquals(Rcode.NOERROR, nodata.getRcode(), Type.string(type));
                assertTrue(nodata.getHeader().getFlag(Flags.AA));
                assertEquals(0, nodata.getSection(Section.ANSWER).size());
                assertEquals(0, nodata.getSection(Section.AUTHORITY).size(), "no SOA");
                assertEquals(0, nodata.getSection(Section.ADDITIONAL).size());
            }
            assertEquals(Rcode.SERVFAIL, client.udp(DnsClient.query("nope.example.org", Type.A)).getRcode());
            assertEquals(Rcode.SERVFAIL, client.udp(DnsClient.query("broken.example.org", Type.A)).getRcode());
            assertEquals(Rcode.SERVFAIL, client.udp(DnsClient.query("nope.example.org", Type.TXT)).getRcode());
            assertTrue(passedOn(client.udp(DnsClient.query("outside.example.net", Type.A))),
                    "outside the zones: next plugin");
        }
    }

    @Test
    void wildcardsCoverExactlyOneLabel() throws Exception {
        Path hosts = Files.writeString(dir.resolve("hosts"), FILE);
        int port = FreePorts.udpAndTcp();
        try (TestServer s = server(hosts, "", port); DnsClient client = new DnsClient(port)) {
            assertEquals(Set.of("10.0.0.50"), addresses(client.udp(DnsClient.query("Apps.wild.example.org", Type.A))));
            assertEquals(Set.of("10.0.0.51"), addresses(client.udp(DnsClient.query("exact.wild.example.org", Type.A))));
            assertEquals(Rcode.SERVFAIL, client.udp(DnsClient.query("wild.example.org", Type.A)).getRcode(),
                    "apex excluded");
            assertEquals(Rcode.SERVFAIL, client.udp(DnsClient.query("deep.apps.wild.example.org", Type.A)).getRcode());
            Message nodata = client.udp(DnsClient.query("apps.wild.example.org", Type.AAAA));
            assertEquals(Rcode.NOERROR, nodata.getRcode());
            assertEquals(0, nodata.getSection(Section.ANSWER).size());
            assertTrue(passedOn(client.udp(DnsClient.query(ReverseMap.fromAddress("10.0.0.50").toString(), Type.PTR))),
                    "wildcards get no PTR");
        }
    }

    @Test
    void reverseLookupsIncludingOutsideZones() throws Exception {
        Path hosts = Files.writeString(dir.resolve("hosts"), FILE);
        int port = FreePorts.udpAndTcp();
        try (TestServer s = server(hosts, "ttl 42", port); DnsClient client = new DnsClient(port)) {
            Message ptr = client.udp(DnsClient.query("1.0.0.10.IN-ADDR.arpa", Type.PTR));
            assertEquals(Rcode.NOERROR, ptr.getRcode());
            assertTrue(ptr.getHeader().getFlag(Flags.AA));
            List<Record> answers = ptr.getSection(Section.ANSWER);
            assertEquals(List.of("www.example.org.", "alias.example.org."),
                    answers.stream().map(r -> ((PTRRecord) r).getTarget().toString()).toList());
            assertEquals("1.0.0.10.IN-ADDR.arpa.", answers.getFirst().getName().toString());
            assertEquals(42, answers.getFirst().getTTL());
            Message v6 = client.udp(DnsClient.query(ReverseMap.fromAddress("2001:db8::7").toString(), Type.PTR));
            assertEquals("v6only.example.org.",
                    ((PTRRecord) v6.getSection(Section.ANSWER).getFirst()).getTarget().toString());
            Message mapped = client
                    .udp(DnsClient.query(ReverseMap.fromAddress("::ffff:192.0.2.9").toString(), Type.PTR));
            Message mapped4 = client.udp(DnsClient.query(ReverseMap.fromAddress("192.0.2.9").toString(), Type.PTR));
            assertEquals(1, mapped.getSection(Section.ANSWER).size(), "ip6.arpa of the mapped form");
            assertEquals(1, mapped4.getSection(Section.ANSWER).size());
            assertTrue(passedOn(client.udp(DnsClient.query("9.9.9.10.in-addr.arpa", Type.PTR))),
                    "no match: next plugin");
            assertTrue(passedOn(client.udp(DnsClient.query("99.0.0.10.in-addr.arpa", Type.PTR))),
                    "name outside zones: no PTR");
            assertTrue(passedOn(client.udp(DnsClient.query("01.0.0.10.in-addr.arpa", Type.PTR))), "leading zero");
            assertTrue(passedOn(client.udp(DnsClient.query("1.0.0.0.10.in-addr.arpa", Type.PTR))), "five labels");
        }
    }

    @Test
    void noReverse() throws Exception {
        Path hosts = Files.writeString(dir.resolve("hosts"), FILE);
        int port = FreePorts.udpAndTcp();
        try (TestServer s = server(hosts, "no_reverse", port); DnsClient client = new DnsClient(port)) {
            assertTrue(passedOn(client.udp(DnsClient.query("1.0.0.10.in-addr.arpa", Type.PTR))));
            assertEquals(2, client.udp(DnsClient.query("www.example.org", Type.A)).getSection(Section.ANSWER).size());
        }
    }

    @Test
    void fallthroughAndUnsupportedTypes() throws Exception {
        Path hosts = Files.writeString(dir.resolve("hosts"), FILE);
        int port = FreePorts.udpAndTcp();
        try (TestServer s = server(hosts, "fallthrough sub.example.org", port);
                DnsClient client = new DnsClient(port)) {
            assertTrue(passedOn(client.udp(DnsClient.query("x.sub.example.org", Type.A))));
            assertEquals(Rcode.SERVFAIL, client.udp(DnsClient.query("x.example.org", Type.A)).getRcode(),
                    "outside fallthrough zones");
            assertFalse(passedOn(client.udp(DnsClient.query("www.example.org", Type.TXT))),
                    "NODATA without fallthrough_unsupported");
        }
        port = FreePorts.udpAndTcp();
        try (TestServer s = server(hosts, "fallthrough\nfallthrough_unsupported", port);
                DnsClient client = new DnsClient(port)) {
            assertTrue(passedOn(client.udp(DnsClient.query("www.example.org", Type.TXT))));
            assertFalse(passedOn(client.udp(DnsClient.query("v6only.example.org", Type.A))),
                    "A and AAAA are never unsupported");
            assertEquals(0,
                    client.udp(DnsClient.query("v6only.example.org", Type.A)).getSection(Section.ANSWER).size());
        }
    }

    @Test
    void inlineEntriesOverrideTheFileAndWorkWithoutIt() throws Exception {
        Path hosts = Files.writeString(dir.resolve("hosts"), FILE);
        int port = FreePorts.udpAndTcp();
        try (TestServer s = server(hosts, "10.1.1.1 www.example.org\n10.1.1.2 inline.example.org", port);
                DnsClient client = new DnsClient(port)) {
            assertEquals(Set.of("10.1.1.1"), addresses(client.udp(DnsClient.query("www.example.org", Type.A))));
            assertEquals(Set.of("10.1.1.2"), addresses(client.udp(DnsClient.query("inline.example.org", Type.A))));
            assertEquals(Set.of("fe80:0:0:0:0:0:0:1"),
                    addresses(client.udp(DnsClient.query("www.example.org", Type.AAAA))),
                    "override is per family");
        }
        port = FreePorts.udpAndTcp();
        // inline entry plus fallthrough answers although the file is missing, as in CoreDNS
        try (TestServer s = server(dir.resolve("missing"), "10.0.0.1 example.org\nfallthrough", port);
                DnsClient client = new DnsClient(port)) {
            assertEquals(Set.of("10.0.0.1"), addresses(client.udp(DnsClient.query("example.org", Type.A))));
            assertTrue(passedOn(client.udp(DnsClient.query("other.example.org", Type.A))));
        }
    }

    @Test
    void reloadsTheFileWhenItChanges() throws Exception {
        Path hosts = Files.writeString(dir.resolve("hosts"), "10.0.0.1 www.example.org\n");
        int port = FreePorts.udpAndTcp();
        try (TestServer s = server(hosts, "reload 50ms", port); DnsClient client = new DnsClient(port)) {
            assertEquals(Set.of("10.0.0.1"), addresses(client.udp(DnsClient.query("www.example.org", Type.A))));
            Files.writeString(hosts, "10.0.0.7 www.example.org\n10.0.0.8 new.example.org\n");
            Files.setLastModifiedTime(hosts, FileTime.fromMillis(System.currentTimeMillis() + 5_000));
            long deadline = System.nanoTime() + 5_000_000_000L;
            Set<String> seen = Set.of();
            while (System.nanoTime() < deadline
                    && !(seen = addresses(client.udp(DnsClient.query("new.example.org", Type.A))))
                            .contains("10.0.0.8")) {
                Thread.sleep(20);
            }
            assertEquals(Set.of("10.0.0.8"), seen);
            assertEquals(Set.of("10.0.0.7"), addresses(client.udp(DnsClient.query("www.example.org", Type.A))));
        }
    }

    @Test
    void reloadZeroDisablesTheTimerAndStopEndsIt() throws Exception {
        Path hosts = Files.writeString(dir.resolve("hosts"), "10.0.0.1 www.example.org\n");
        HostsConfig base = HostsSetup.parse(new io.nodedns.config.Dispenser(List.of()), List.of("."));
        HostsConfig off = new HostsConfig(hosts, List.of("."), List.of(), 3600, true, java.time.Duration.ZERO,
                base.fallthrough(), false);
        HostsSource disabled = new HostsSource(off);
        disabled.start();
        assertFalse(disabled.timerRunning());
        HostsSource on = new HostsSource(new HostsConfig(hosts, List.of("."), List.of(), 3600, true,
                java.time.Duration.ofMillis(10), base.fallthrough(), false));
        on.start();
        assertTrue(on.timerRunning());
        on.stop();
        Thread.sleep(50);
        assertFalse(on.timerRunning());
        assertEquals(2, on.entries(), "one address and one reverse name, as CoreDNS counts");
    }

    @Test
    void malformedQueriesNeverCrash() throws Exception {
        Path hosts = Files.writeString(dir.resolve("hosts"), FILE);
        int port = FreePorts.udpAndTcp();
        try (TestServer s = server(hosts, "", port); DnsClient client = new DnsClient(port)) {
            for (String name : List.of("in-addr.arpa", "ip6.arpa", "x.ip6.arpa", "256.0.0.10.in-addr.arpa",
                    "a.b.c.d.in-addr.arpa",
                    "*.wild.example.org", ".".repeat(0) + "example.org")) {
                Message reply = client.udp(DnsClient.query(name, Type.PTR));
                assertTrue(reply.getRcode() == Rcode.NOERROR, name + " " + Rcode.string(reply.getRcode()));
            }
            assertEquals(InetAddress.getByName("10.0.0.50"),
                    ((ARecord) client.udp(DnsClient.query("*.wild.example.org", Type.A)).getSection(Section.ANSWER)
                            .getFirst()).getAddress());
        }
    }
}
