package io.nodedns.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.nodedns.testing.DnsClient;
import io.nodedns.testing.FreePorts;
import io.nodedns.testing.TestServer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.xbill.DNS.Flags;
import org.xbill.DNS.Message;
import org.xbill.DNS.Section;
import org.xbill.DNS.Type;

/** EDNS0 sizes and truncation (RFC 6891; CoreDNS request/edns0.go; RFC 1035 4.2.1; CoreDNS request.Scrub) over real sockets: a 60-record answer. */
class TruncationIntegrationTest {
    private static int port;
    private static TestServer server;

    @BeforeAll
    static void start() throws Exception {
        port = FreePorts.udpAndTcp();
        server = TestServer.fromText(".:%d {\n marker a-fairly-long-text-record-value 60\n}\n".formatted(port));
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    @Test
    void plainUdpClientGetsAtMost512BytesWithTc() throws Exception {
        try (DnsClient client = new DnsClient(port)) {
            byte[] raw = client.udpRaw(DnsClient.query("big.example", Type.TXT).toWire());
            assertTrue(raw.length <= 512, "reply of " + raw.length + " bytes");
            Message reply = new Message(raw);
            assertTrue(reply.getHeader().getFlag(Flags.TC));
            assertTrue(reply.getSection(Section.ANSWER).size() > 0 && reply.getSection(Section.ANSWER).size() < 60);
            assertNull(reply.getOPT());
        }
    }

    @Test
    void ednsClientGetsItsBufferSizeAndAnOptLast() throws Exception {
        try (DnsClient client = new DnsClient(port)) {
            byte[] raw = client
                    .udpRaw(DnsClient.withEdns(DnsClient.query("big.example", Type.TXT), 1232, false).toWire());
            assertTrue(raw.length > 512 && raw.length <= 1232, "reply of " + raw.length + " bytes");
            Message reply = new Message(raw);
            assertTrue(reply.getHeader().getFlag(Flags.TC));
            assertNotNull(reply.getOPT());
            assertEquals(Type.OPT, reply.getSection(Section.ADDITIONAL).getLast().getType());
            assertEquals(1232, reply.getOPT().getPayloadSize());
        }
    }

    @Test
    void smallAdvertisedSizeIsRaisedTo512() throws Exception {
        try (DnsClient client = new DnsClient(port)) {
            byte[] raw = client
                    .udpRaw(DnsClient.withEdns(DnsClient.query("big.example", Type.TXT), 100, false).toWire());
            assertTrue(raw.length > 100 && raw.length <= 512, "reply of " + raw.length + " bytes");
        }
    }

    @Test
    void bigBufferAndTcpGetEverything() throws Exception {
        try (DnsClient client = new DnsClient(port)) {
            Message udp = client.udp(DnsClient.withEdns(DnsClient.query("big.example", Type.TXT), 65000, false));
            assertFalse(udp.getHeader().getFlag(Flags.TC));
            assertEquals(60, udp.getSection(Section.ANSWER).size());
            Message tcp = client.tcp(DnsClient.query("big.example", Type.TXT));
            assertFalse(tcp.getHeader().getFlag(Flags.TC));
            assertEquals(60, tcp.getSection(Section.ANSWER).size());
        }
    }
}
