package io.nodedns.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.nodedns.testing.DnsClient;
import io.nodedns.testing.FreePorts;
import io.nodedns.testing.TestServer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.xbill.DNS.Message;
import org.xbill.DNS.Rcode;
import org.xbill.DNS.Section;
import org.xbill.DNS.TXTRecord;
import org.xbill.DNS.Type;

/** A real server with several blocks on two ports, queried over real sockets (CoreDNS core/dnsserver/server.go). */
class RoutingIntegrationTest {
    private static int portA;
    private static int portB;
    private static TestServer server;

    @BeforeAll
    static void start() throws Exception {
        portA = FreePorts.udpAndTcp();
        portB = FreePorts.udpAndTcp();
        server = TestServer.fromText("""
                example.org:%1$d {
                    marker org-block
                }
                sub.example.org:%1$d {
                    marker sub-block
                }
                empty.test:%1$d {
                }
                .:%2$d example.net:%2$d {
                    marker root-or-net-block
                }
                deeper.example.net:%2$d {
                    whoami
                }
                """.formatted(portA, portB));
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    private static String marker(int port, String name, int type) throws Exception {
        try (DnsClient client = new DnsClient(port)) {
            Message reply = client.udp(DnsClient.query(name, type));
            assertNotNull(reply, "no reply for " + name);
            assertEquals(Rcode.NOERROR, reply.getRcode(), "rcode for " + name);
            TXTRecord txt = (TXTRecord) reply.getSection(Section.ANSWER).getFirst();
            return txt.getStrings().getFirst();
        }
    }

    private static int rcode(int port, String name, int type) throws Exception {
        try (DnsClient client = new DnsClient(port)) {
            Message reply = client.udp(DnsClient.query(name, type));
            assertNotNull(reply, "no reply for " + name);
            return reply.getRcode();
        }
    }

    @Test
    void longestSuffixWins() throws Exception {
        assertEquals("org-block", marker(portA, "www.example.org", Type.A));
        assertEquals("org-block", marker(portA, "example.org", Type.A));
        assertEquals("sub-block", marker(portA, "a.b.sub.example.org", Type.A));
        assertEquals("sub-block", marker(portA, "sub.example.org", Type.AAAA));
    }

    @Test
    void matchingIgnoresCaseAndKeepsTheClientsQuestion() throws Exception {
        try (DnsClient client = new DnsClient(portA)) {
            Message reply = client.udp(DnsClient.query("WwW.SuB.ExAmPlE.oRg", Type.A));
            assertEquals("sub-block",
                    ((TXTRecord) reply.getSection(Section.ANSWER).getFirst()).getStrings().getFirst());
            assertEquals("WwW.SuB.ExAmPlE.oRg.", reply.getQuestion().getName().toString());
        }
    }

    @Test
    void noMatchingZoneIsRefused() throws Exception {
        assertEquals(Rcode.REFUSED, rcode(portA, "example.com", Type.A));
        assertEquals(Rcode.REFUSED, rcode(portA, "org", Type.A));
        assertEquals(Rcode.REFUSED, rcode(portA, "xexample.org", Type.A));
    }

    @Test
    void blockWithoutPluginsIsRefused() throws Exception {
        assertEquals(Rcode.REFUSED, rcode(portA, "www.empty.test", Type.A));
    }

    @Test
    void secondPortServesItsOwnBlocks() throws Exception {
        assertEquals("root-or-net-block", marker(portB, "www.example.org", Type.A));
        assertEquals("root-or-net-block", marker(portB, "anything.example", Type.A));
        assertEquals("root-or-net-block", marker(portB, "x.example.net", Type.A));
        try (DnsClient client = new DnsClient(portB)) {
            Message reply = client.udp(DnsClient.query("a.deeper.example.net", Type.A));
            assertEquals(Rcode.NOERROR, reply.getRcode());
            assertTrue(reply.getHeader().getFlag(org.xbill.DNS.Flags.AA));
            assertEquals(2, reply.getSection(Section.ADDITIONAL).size(), "whoami answered");
        }
    }

    @Test
    void dsGoesToTheParentMostZone() throws Exception {
        // sub.example.org. DS belongs to the parent side: the example.org block answers it.
        assertEquals("org-block", marker(portA, "sub.example.org", Type.DS));
        assertEquals("org-block", marker(portA, "x.sub.example.org", Type.DS));
        // With only the root above, the root fallback is not used while a non-root zone matched.
        assertEquals("root-or-net-block", marker(portB, "deeper.example.net", Type.DS));
    }

    @Test
    void tcpRoutesTheSameWay() throws Exception {
        try (DnsClient client = new DnsClient(portA)) {
            Message reply = client.tcp(DnsClient.query("x.sub.example.org", Type.A));
            assertEquals("sub-block",
                    ((TXTRecord) reply.getSection(Section.ANSWER).getFirst()).getStrings().getFirst());
            assertEquals(Rcode.REFUSED, client.tcp(DnsClient.query("nope.invalid", Type.A)).getRcode());
        }
    }
}
