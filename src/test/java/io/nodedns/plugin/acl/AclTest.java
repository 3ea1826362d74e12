package io.nodedns.plugin.acl;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.nodedns.testing.DnsClient;
import io.nodedns.testing.FreePorts;
import io.nodedns.testing.SetupErrors;
import io.nodedns.testing.TestServer;
import io.nodedns.testing.Unmeasured;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import org.junit.jupiter.api.Test;
import org.xbill.DNS.Message;
import org.xbill.DNS.Rcode;
import org.xbill.DNS.Section;
import org.xbill.DNS.Type;

/** acl over real sockets (the client is 127.0.0.1): block, filter, drop, allow, zones, rule order, metrics. */
@Unmeasured
class AclTest {
    private static boolean passedOn(Message m) {
        return m.getRcode() == Rcode.NOERROR && m.getSection(Section.ADDITIONAL).size() == 2;
    }

    private static TestServer serve(int port, String acl) throws Exception {
        return TestServer.fromText(".:%d {\n%s\n whoami\n}\n".formatted(port, acl));
    }

    @Test
    void blockFilterAndDrop() throws Exception {
        int port = FreePorts.udpAndTcp();
        try (TestServer server = serve(port, """
                acl {
                    block type A net 127.0.0.0/8
                    filter type AAAA MX
                    drop type TXT net 127.0.0.1
                }""");
                DnsClient client = new DnsClient(port)) {
            Message a = client.udp(DnsClient.query("example.org", Type.A));
            assertEquals(Rcode.REFUSED, a.getRcode());
            assertEquals(0, a.getSection(Section.ADDITIONAL).size());
            for (int type : new int[]{Type.AAAA, Type.MX}) {
                Message filtered = client.udp(DnsClient.query("example.org", type));
                assertEquals(Rcode.NOERROR, filtered.getRcode());
                assertEquals(0,
                        filtered.getSection(Section.ANSWER).size() + filtered.getSection(Section.ADDITIONAL).size(),
                        "an empty NOERROR: " + filtered);
            }
            assertTrue(client.udpExpectSilence(DnsClient.query("example.org", Type.TXT).toWire(), 500),
                    "dropped over UDP");
            try (Socket tcp = new Socket("127.0.0.1", port)) {
                byte[] q = DnsClient.query("example.org", Type.TXT).toWire();
                tcp.getOutputStream().write(new byte[]{(byte) (q.length >> 8), (byte) q.length});
                tcp.getOutputStream().write(q);
                tcp.setSoTimeout(500);
                try {
                    int b = tcp.getInputStream().read();
                    assertTrue(false, "dropped over TCP, but read " + b);
                } catch (SocketTimeoutException expected) {
                    // no reply, the connection stays open
                }
            }
            assertTrue(passedOn(client.udp(DnsClient.query("example.org", Type.SRV))), "no policy matched: allowed");
        }
    }

    @Test
    void firstMatchingPolicyDecidesAndAllowEndsTheRules() throws Exception {
        int port = FreePorts.udpAndTcp();
        try (TestServer server = serve(port, " acl {\n  allow net 127.0.0.1/32\n  block\n }\n acl {\n  block\n }");
                DnsClient client = new DnsClient(port)) {
            assertTrue(passedOn(client.udp(DnsClient.query("example.org", Type.A))),
                    "allow in the first rule skips the second");
        }
        try (TestServer server = serve(port, " acl {\n  allow net 10.0.0.0/8 ::1\n  block net *\n }");
                DnsClient client = new DnsClient(port)) {
            assertEquals(Rcode.REFUSED, client.udp(DnsClient.query("example.org", Type.A)).getRcode());
        }
        try (TestServer server = serve(port, " acl {\n  block net 127.0.0.2 127.1.0.0/16\n }");
                DnsClient client = new DnsClient(port)) {
            assertTrue(passedOn(client.udp(DnsClient.query("example.org", Type.A))), "other addresses");
        }
        try (TestServer server = serve(port, " acl {\n  block net 127.0.0.0/9\n }");
                DnsClient client = new DnsClient(port)) {
            assertEquals(Rcode.REFUSED, client.udp(DnsClient.query("example.org", Type.A)).getRcode(),
                    "prefix off a byte boundary");
        }
    }

    @Test
    void zonesLimitTheRule() throws Exception {
        int port = FreePorts.udpAndTcp();
        int metrics = FreePorts.udpAndTcp();
        try (TestServer server = TestServer.fromText("""
                .:%d {
                    prometheus 127.0.0.1:%d
                    acl Example.ORG {
                        block
                    }
                    whoami
                }
                """.formatted(port, metrics)); DnsClient client = new DnsClient(port)) {
            assertEquals(Rcode.REFUSED, client.udp(DnsClient.query("www.example.org", Type.A)).getRcode());
            assertEquals(Rcode.REFUSED, client.udp(DnsClient.query("example.org", Type.A)).getRcode());
            assertTrue(passedOn(client.udp(DnsClient.query("example.net", Type.A))));
            assertTrue(passedOn(client.udp(DnsClient.query("notexample.org", Type.A))));
            String body = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                    URI.create("http://127.0.0.1:" + metrics + "/metrics")).build(),
                    HttpResponse.BodyHandlers.ofString()).body();
            String label = "dns://:" + port;
            assertTrue(body.contains(
                    "coredns_acl_blocked_requests_total{server=\"" + label + "\",view=\"\",zone=\"example.org.\"} 2"),
                    body);
            assertTrue(body.contains("coredns_acl_allowed_requests_total{server=\"" + label + "\",view=\"\"} 2"), body);
        }
    }

    @Test
    void setupErrors() {
        SetupErrors.assertFails(". {\n acl {\n  deny\n }\n}\n", 3, "expect 'allow', 'block', 'filter' or 'drop'");
        SetupErrors.assertFails(". {\n acl {\n  block net 10.0.0.0/33\n }\n}\n", 3,
                "illegal CIDR notation '10.0.0.0/33'");
        SetupErrors.assertFails(". {\n acl {\n  block net example.org\n }\n}\n", 3, "illegal CIDR notation");
        SetupErrors.assertFails(". {\n acl {\n  block type NOPE\n }\n}\n", 3, "expect legal QTYPE");
        SetupErrors.assertFails(". {\n acl {\n  block type net 10.0.0.0/8\n }\n}\n", 3,
                "no token specified in 'type' section");
        SetupErrors.assertFails(". {\n acl {\n  block 10.0.0.0/8\n }\n}\n", 3, "expect 'type | net'");
    }
}
