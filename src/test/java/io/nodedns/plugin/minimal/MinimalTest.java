package io.nodedns.plugin.minimal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.nodedns.testing.DnsClient;
import io.nodedns.testing.FreePorts;
import io.nodedns.testing.SetupErrors;
import io.nodedns.testing.TestServer;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.xbill.DNS.Message;
import org.xbill.DNS.Rcode;
import org.xbill.DNS.Section;
import org.xbill.DNS.Type;

/** minimal over a real socket, on replies of the file plugin: positive answers lose authority and additional. */
class MinimalTest {
    @TempDir
    Path dir;

    private Path zone() throws Exception {
        return Files.writeString(dir.resolve("db.example.org"), """
                $ORIGIN example.org.
                $TTL 3600
                @       IN SOA  ns1 hostmaster 1 7200 3600 1209600 3600
                        IN NS   ns1
                ns1     IN A    192.0.2.53
                www     IN A    192.0.2.80
                mx      IN MX   10 ns1
                sub     IN NS   ns.sub
                ns.sub  IN A    192.0.2.99
                """);
    }

    @Test
    void positiveRepliesAreStripped() throws Exception {
        int port = FreePorts.udpAndTcp();
        Path zone = zone();
        String corefile = "example.org:%d {\n%s file %s\n}\n";
        try (TestServer full = TestServer.fromText(corefile.formatted(port, "", zone));
                DnsClient client = new DnsClient(port)) {
            Message mx = client.udp(DnsClient.withEdns(DnsClient.query("mx.example.org", Type.MX), 1232, false));
            assertTrue(mx.getSection(Section.AUTHORITY).size() + mx.getSection(Section.ADDITIONAL).size() > 1,
                    "control: without minimal the reply has more than the answer: " + mx);
        }
        try (TestServer minimal = TestServer.fromText(corefile.formatted(port, " minimal\n", zone));
                DnsClient client = new DnsClient(port)) {
            Message mx = client.udp(DnsClient.withEdns(DnsClient.query("mx.example.org", Type.MX), 1232, false));
            assertEquals(Rcode.NOERROR, mx.getRcode());
            assertEquals(1, mx.getSection(Section.ANSWER).size(), mx.toString());
            assertEquals(0, mx.getSection(Section.AUTHORITY).size(), mx.toString());
            assertEquals(0, mx.getSection(Section.ADDITIONAL).size() - (mx.getOPT() == null ? 0 : 1),
                    "only the OPT stays: " + mx);
            assertTrue(mx.getOPT() != null, "the client's OPT is echoed");
            Message a = client.tcp(DnsClient.query("www.example.org", Type.A));
            assertEquals(1, a.getSection(Section.ANSWER).size());
            assertEquals(0, a.getSection(Section.AUTHORITY).size(), a.toString());

            Message nodata = client.udp(DnsClient.query("www.example.org", Type.TXT));
            assertEquals(Rcode.NOERROR, nodata.getRcode());
            assertEquals(Type.SOA, nodata.getSection(Section.AUTHORITY).getFirst().getType(), "NODATA keeps its SOA");
            Message nx = client.udp(DnsClient.query("nope.example.org", Type.A));
            assertEquals(Rcode.NXDOMAIN, nx.getRcode());
            assertEquals(Type.SOA, nx.getSection(Section.AUTHORITY).getFirst().getType(), "NXDOMAIN keeps its SOA");
            Message referral = client.udp(DnsClient.query("host.sub.example.org", Type.A));
            assertEquals(0, referral.getSection(Section.ANSWER).size(), referral.toString());
            assertEquals(Type.NS, referral.getSection(Section.AUTHORITY).getFirst().getType(),
                    "a delegation is kept whole");
        }
    }

    @Test
    void takesNoArguments() {
        SetupErrors.assertFails(". {\n minimal yes\n}\n", 2, "Wrong argument count");
    }
}
