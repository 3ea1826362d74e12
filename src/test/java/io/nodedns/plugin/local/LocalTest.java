package io.nodedns.plugin.local;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.nodedns.testing.DnsClient;
import io.nodedns.testing.FreePorts;
import io.nodedns.testing.SetupErrors;
import io.nodedns.testing.TestServer;
import org.junit.jupiter.api.Test;
import org.xbill.DNS.AAAARecord;
import org.xbill.DNS.ARecord;
import org.xbill.DNS.Flags;
import org.xbill.DNS.Message;
import org.xbill.DNS.NSRecord;
import org.xbill.DNS.PTRRecord;
import org.xbill.DNS.Rcode;
import org.xbill.DNS.SOARecord;
import org.xbill.DNS.Section;
import org.xbill.DNS.Type;

/** local over a real socket: the four zones, localhost subdomains and localhost.DOMAIN. */
class LocalTest {
    private static final String CONFIG = ".:%d {\n local%s\n whoami\n}\n";

    private static boolean passedOn(Message m) {
        return m.getSection(Section.ADDITIONAL).size() == 2 && m.getSection(Section.ANSWER).isEmpty();
    }

    @Test
    void localhostAndReverseZones() throws Exception {
        int port = FreePorts.udpAndTcp();
        try (TestServer server = TestServer.fromText(CONFIG.formatted(port, ""));
                DnsClient client = new DnsClient(port)) {
            Message a = client.udp(DnsClient.query("LocalHost", Type.A));
            assertEquals(Rcode.NOERROR, a.getRcode());
            ARecord v4 = (ARecord) a.getSection(Section.ANSWER).getFirst();
            assertEquals("127.0.0.1", v4.getAddress().getHostAddress());
            assertEquals(604800, v4.getTTL());
            assertEquals("LocalHost.", v4.getName().toString());
            assertTrue(!a.getHeader().getFlag(Flags.AA), "CoreDNS's local does not set AA");
            AAAARecord v6 = (AAAARecord) client.udp(DnsClient.query("localhost", Type.AAAA)).getSection(Section.ANSWER)
                    .getFirst();
            assertEquals("0:0:0:0:0:0:0:1", v6.getAddress().getHostAddress());

            Message mx = client.udp(DnsClient.query("localhost", Type.MX));
            assertEquals(Rcode.NOERROR, mx.getRcode());
            SOARecord soa = (SOARecord) mx.getSection(Section.AUTHORITY).getFirst();
            assertEquals("localhost.", soa.getHost().toString());
            assertEquals("root.localhost.", soa.getAdmin().toString());
            assertEquals(1, soa.getSerial());
            assertEquals(604800, soa.getMinimum());
            assertEquals("localhost.", ((NSRecord) client.udp(DnsClient.query("127.in-addr.arpa", Type.NS))
                    .getSection(Section.ANSWER).getFirst()).getTarget().toString());
            assertEquals(Type.SOA, client.udp(DnsClient.query("0.in-addr.arpa", Type.SOA)).getSection(Section.ANSWER)
                    .getFirst().getType());
            Message apexA = client.udp(DnsClient.query("255.in-addr.arpa", Type.A));
            assertEquals(Rcode.NOERROR, apexA.getRcode(), "only localhost. has addresses");
            assertEquals(Type.SOA, apexA.getSection(Section.AUTHORITY).getFirst().getType());

            Message ptr = client.udp(DnsClient.query("1.0.0.127.in-addr.arpa", Type.PTR));
            assertEquals("localhost.", ((PTRRecord) ptr.getSection(Section.ANSWER).getFirst()).getTarget().toString());
            Message ptrA = client.udp(DnsClient.query("1.0.0.127.in-addr.arpa", Type.A));
            assertEquals(Rcode.NOERROR, ptrA.getRcode());
            assertEquals("127.in-addr.arpa.", ptrA.getSection(Section.AUTHORITY).getFirst().getName().toString());

            Message nx = client.udp(DnsClient.query("2.0.0.127.IN-ADDR.arpa", Type.PTR));
            assertEquals(Rcode.NXDOMAIN, nx.getRcode());
            assertEquals("127.IN-ADDR.arpa.", nx.getSection(Section.AUTHORITY).getFirst().getName().toString(),
                    "the SOA is owned by the zone as the client spelled it");

            assertTrue(passedOn(client.udp(DnsClient.query("example.org", Type.A))));
            assertTrue(passedOn(client.udp(DnsClient.query("1.0.0.10.in-addr.arpa", Type.PTR))));
            assertTrue(passedOn(client.udp(DnsClient.query("notlocalhost", Type.A))), "label boundary");
        }
    }

    @Test
    void localhostSubdomainsAndPrefixAreCounted() throws Exception {
        int port = FreePorts.udpAndTcp();
        try (TestServer server = TestServer.fromText(CONFIG.formatted(port, ""));
                DnsClient client = new DnsClient(port)) {
            long before = LocalMetrics.LOCALHOST_REQUESTS.sum();
            Message sub = client.udp(DnsClient.query("app.localhost", Type.A));
            assertEquals("127.0.0.1",
                    ((ARecord) sub.getSection(Section.ANSWER).getFirst()).getAddress().getHostAddress());
            Message prefixed = client.udp(DnsClient.query("localhost.example.org", Type.AAAA));
            assertEquals(Type.AAAA, prefixed.getSection(Section.ANSWER).getFirst().getType());
            Message txt = client.udp(DnsClient.query("localhost.example.org", Type.TXT));
            assertEquals(Rcode.NOERROR, txt.getRcode());
            assertEquals("localhost.example.org.", txt.getSection(Section.AUTHORITY).getFirst().getName().toString());
            assertEquals(before + 3, LocalMetrics.LOCALHOST_REQUESTS.sum());
        }
        try (TestServer server = TestServer.fromText(CONFIG.formatted(port, " {\n  localhost_prefix off\n }"));
                DnsClient client = new DnsClient(port)) {
            assertTrue(passedOn(client.udp(DnsClient.query("localhost.example.org", Type.A))), "prefix off");
            assertEquals(1, client.udp(DnsClient.query("app.localhost", Type.A)).getSection(Section.ANSWER).size());
        }
    }

    @Test
    void setupErrors() {
        SetupErrors.assertFails(". {\n local x\n}\n", 2, "Wrong argument count");
        SetupErrors.assertFails(". {\n local {\n  localhost_prefix maybe\n }\n}\n", 3, "expects 'on' or 'off'");
        SetupErrors.assertFails(". {\n local {\n  nope\n }\n}\n", 3, "unknown property 'nope'");
    }
}
