package io.nodedns.plugin.whoami;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.nodedns.testing.DnsClient;
import io.nodedns.testing.FreePorts;
import io.nodedns.testing.SetupErrors;
import io.nodedns.testing.TestServer;
import java.net.InetAddress;
import org.junit.jupiter.api.Test;
import org.xbill.DNS.AAAARecord;
import org.xbill.DNS.ARecord;
import org.xbill.DNS.Flags;
import org.xbill.DNS.Message;
import org.xbill.DNS.Rcode;
import org.xbill.DNS.SRVRecord;
import org.xbill.DNS.Section;
import org.xbill.DNS.Type;

/** CoreDNS plugin/whoami and conformance 8.1 items 2, 5, 6. */
class WhoamiTest {
    @Test
    void answersClientAddressAndPortOverUdpAndTcp() throws Exception {
        int port = FreePorts.udpAndTcp();
        try (TestServer server = TestServer.fromText("EXAMPLE.ORG.:%d {\n whoami\n}\n".formatted(port));
                DnsClient client = new DnsClient(port)) {
            Message reply = client.udp(DnsClient.query("www.example.org", Type.A));
            assertEquals(Rcode.NOERROR, reply.getRcode());
            assertTrue(reply.getHeader().getFlag(Flags.AA));
            assertEquals(0, reply.getSection(Section.ANSWER).size());
            ARecord a = (ARecord) reply.getSection(Section.ADDITIONAL).get(0);
            assertEquals("www.example.org.", a.getName().toString());
            assertEquals(InetAddress.getByName("127.0.0.1"), a.getAddress());
            assertEquals(0, a.getTTL());
            SRVRecord srv = (SRVRecord) reply.getSection(Section.ADDITIONAL).get(1);
            assertEquals("_udp.www.example.org.", srv.getName().toString());
            assertTrue(srv.getPort() > 0);
            assertEquals(".", srv.getTarget().toString());
            Message tcp = client.tcp(DnsClient.query("www.example.org", Type.A));
            assertEquals("_tcp.www.example.org.", tcp.getSection(Section.ADDITIONAL).get(1).getName().toString());
        }
    }

    @Test
    void ipv6ClientGetsAaaa() throws Exception {
        int port = FreePorts.udpAndTcp();
        try (TestServer server = TestServer.fromText(".:%d {\n bind ::1\n whoami\n}\n".formatted(port));
                DnsClient client = new DnsClient("::1", port)) {
            Message reply = client.udp(DnsClient.query("v6.example", Type.AAAA));
            AAAARecord aaaa = (AAAARecord) reply.getSection(Section.ADDITIONAL).get(0);
            assertEquals(InetAddress.getByName("::1"), aaaa.getAddress());
        }
    }

    @Test
    void reverseCidrKeysRouteAsCoreDns() throws Exception {
        int port = FreePorts.udpAndTcp();
        try (TestServer server = TestServer
                .fromText("10.0.0.0/15:%1$d 192.168.1.0/25:%1$d {\n whoami\n}\n".formatted(port));
                DnsClient client = new DnsClient(port)) {
            assertEquals(Rcode.NOERROR, client.udp(DnsClient.query("whoami.0.10.in-addr.arpa", Type.A)).getRcode());
            Message one = client.udp(DnsClient.query("whoami.1.10.in-addr.arpa", Type.A));
            assertEquals(2, one.getSection(Section.ADDITIONAL).size());
            Message two = client.udp(DnsClient.query("whoami.2.10.in-addr.arpa", Type.A));
            assertEquals(Rcode.REFUSED, two.getRcode());
            assertEquals(0, two.getSection(Section.ADDITIONAL).size());
            assertEquals(Rcode.NOERROR, client.udp(DnsClient.query("127.1.168.192.in-addr.arpa", Type.PTR)).getRcode());
            assertEquals(Rcode.REFUSED, client.udp(DnsClient.query("128.1.168.192.in-addr.arpa", Type.PTR)).getRcode());
            assertEquals(Rcode.REFUSED, client.udp(DnsClient.query("0.2.168.192.in-addr.arpa", Type.PTR)).getRcode());
        }
    }

    @Test
    void takesNoArguments() {
        SetupErrors.assertFails(".:53 {\n whoami please\n}\n", 2, "Wrong argument count");
        SetupErrors.assertFails(".:53 {\n whoami {\n  verbose\n }\n}\n", 3, "Wrong argument count"); // nor a block
    }
}
