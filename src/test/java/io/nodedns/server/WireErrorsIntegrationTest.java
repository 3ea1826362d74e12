package io.nodedns.server;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.nodedns.testing.DnsClient;
import io.nodedns.testing.FreePorts;
import io.nodedns.testing.TestServer;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.util.SplittableRandom;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.xbill.DNS.DClass;
import org.xbill.DNS.Flags;
import org.xbill.DNS.Message;
import org.xbill.DNS.OPTRecord;
import org.xbill.DNS.Opcode;
import org.xbill.DNS.Rcode;
import org.xbill.DNS.Section;
import org.xbill.DNS.Type;

/** Header checks before the chain (CoreDNS core/dnsserver), over real sockets, and a random-datagram flood. */
class WireErrorsIntegrationTest {
    private static int port;
    private static TestServer server;

    @BeforeAll
    static void start() throws Exception {
        port = FreePorts.udpAndTcp();
        server = TestServer.fromText(".:%d {\n whoami\n}\n".formatted(port));
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    private static byte[] validQuery(int id) {
        Message q = DnsClient.query("example.org", Type.A);
        q.getHeader().setID(id);
        return q.toWire();
    }

    @Test
    void zeroOrTwoQuestionsIsFormerrWithHeaderOnly() throws Exception {
        try (DnsClient client = new DnsClient(port)) {
            byte[] noQuestion = {0x12, 0x34, 0x01, 0x00, 0, 0, 0, 0, 0, 0, 0, 0};
            Message reply = new Message(client.udpRaw(noQuestion));
            assertEquals(0x1234, reply.getHeader().getID());
            assertEquals(Rcode.FORMERR, reply.getRcode());
            assertTrue(reply.getHeader().getFlag(Flags.QR));
            assertTrue(reply.getHeader().getFlag(Flags.RD), "request flags echoed");
            assertEquals(0, reply.getSection(Section.QUESTION).size());

            byte[] two = validQuery(0x4321);
            two[5] = 2; // QDCOUNT 2, but only one question follows
            reply = new Message(client.udpRaw(two));
            assertEquals(0x4321, reply.getHeader().getID());
            assertEquals(Rcode.FORMERR, reply.getRcode());
            assertNull(reply.getOPT());
        }
    }

    @Test
    void tooManyRecordsInOtherSectionsIsFormerr() throws Exception {
        try (DnsClient client = new DnsClient(port)) {
            byte[] q = validQuery(7);
            q[7] = 2; // ANCOUNT 2
            assertEquals(Rcode.FORMERR, new Message(client.udpRaw(q)).getRcode());
            q = validQuery(8);
            q[11] = 3; // ARCOUNT 3
            assertEquals(Rcode.FORMERR, new Message(client.udpRaw(q)).getRcode());
        }
    }

    @Test
    void unknownOpcodeIsNotimpWithOpcodeKept() throws Exception {
        try (DnsClient client = new DnsClient(port)) {
            Message q = DnsClient.query("example.org", Type.A);
            q.getHeader().setOpcode(Opcode.STATUS);
            Message reply = new Message(client.udpRaw(q.toWire()));
            assertEquals(Rcode.NOTIMP, reply.getRcode());
            assertEquals(Opcode.STATUS, reply.getHeader().getOpcode());
            assertEquals(q.getHeader().getID(), reply.getHeader().getID());
        }
    }

    @Test
    void responsesAndRuntPacketsAreDropped() throws Exception {
        try (DnsClient client = new DnsClient(port)) {
            Message q = DnsClient.query("example.org", Type.A);
            q.getHeader().setFlag(Flags.QR);
            assertTrue(client.udpExpectSilence(q.toWire(), 300), "QR=1 must get no reply");
            assertTrue(client.udpExpectSilence(new byte[]{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11}, 300),
                    "11 bytes: dropped");
            assertTrue(client.udpExpectSilence(new byte[0], 300), "empty datagram: dropped");
            assertNotNull(client.udp(DnsClient.query("still.alive", Type.A)));
        }
    }

    @Test
    void ednsVersionOneIsBadvers() throws Exception {
        try (DnsClient client = new DnsClient(port)) {
            Message q = DnsClient.query("example.org", Type.A);
            q.addRecord(new OPTRecord(1232, 0, 1, 0), Section.ADDITIONAL);
            Message reply = new Message(client.udpRaw(q.toWire()));
            assertNotNull(reply.getOPT());
            assertEquals(Rcode.BADVERS, reply.getRcode());
            assertEquals(0, reply.getOPT().getVersion());
            assertEquals(1, reply.getSection(Section.QUESTION).size());
        }
    }

    @Test
    void nonInClassIsRefusedWithoutForward() throws Exception {
        try (DnsClient client = new DnsClient(port)) {
            Message reply = client.udp(DnsClient.query("version.bind", Type.TXT, DClass.CH));
            assertEquals(Rcode.REFUSED, reply.getRcode());
            assertEquals(1, reply.getSection(Section.QUESTION).size());
        }
    }

    @Test
    void ednsQueryGetsAnOptBackAndPlainQueryDoesNot() throws Exception {
        try (DnsClient client = new DnsClient(port)) {
            Message reply = client.udp(DnsClient.withEdns(DnsClient.query("example.org", Type.A), 4096, true));
            OPTRecord opt = reply.getOPT();
            assertNotNull(opt);
            assertEquals(4096, opt.getPayloadSize());
            assertTrue((opt.getFlags() & Flags.DO) != 0);
            assertEquals(Type.OPT, reply.getSection(Section.ADDITIONAL).getLast().getType(),
                    "the OPT record comes last");
            assertNull(client.udp(DnsClient.query("example.org", Type.A)).getOPT());
        }
    }

    /** 100k random datagrams (some mutated valid queries): the server keeps answering correctly. */
    @Test
    void randomDatagramFloodDoesNotHurt() throws Exception {
        long seed = Long.getLong("flood.seed", System.nanoTime());
        SplittableRandom random = new SplittableRandom(seed);
        InetAddress loopback = InetAddress.getByName("127.0.0.1");
        byte[] base = validQuery(1);
        try (DatagramSocket socket = new DatagramSocket()) {
            socket.setReceiveBufferSize(1 << 20);
            for (int i = 0; i < 100_000; i++) {
                byte[] packet;
                if (random.nextInt(2) == 0) {
                    packet = new byte[random.nextInt(0, 600)];
                    random.nextBytes(packet);
                } else {
                    packet = base.clone();
                    for (int m = random.nextInt(1, 6); m > 0; m--) {
                        packet[random.nextInt(packet.length)] = (byte) random.nextInt(256);
                    }
                    if (random.nextInt(4) == 0) {
                        packet = java.util.Arrays.copyOf(packet, random.nextInt(1, packet.length));
                    }
                }
                socket.send(new DatagramPacket(packet, packet.length, loopback, port));
                if ((i & 1023) == 0) {
                    Thread.sleep(1); // keep the socket buffers from overflowing on 2 cores
                }
            }
        }
        try (DnsClient client = new DnsClient(port)) {
            Message reply = null;
            for (int attempt = 0; attempt < 5 && reply == null; attempt++) {
                reply = client.udp(DnsClient.query("after.flood.example", Type.A));
            }
            assertNotNull(reply, "no answer after the flood (seed " + seed + ")");
            assertEquals(Rcode.NOERROR, reply.getRcode());
            assertEquals(2, reply.getSection(Section.ADDITIONAL).size(), "whoami answer intact (seed " + seed + ")");
            byte[] ip = ((org.xbill.DNS.ARecord) reply.getSection(Section.ADDITIONAL).getFirst()).getAddress()
                    .getAddress();
            assertArrayEquals(new byte[]{127, 0, 0, 1}, ip);
        }
        for (Listener l : server.server().listeners().values()) {
            assertEquals(0, l.panics(), "no plugin panics");
            for (UdpLoop loop : l.loops()) {
                assertEquals(0, loop.errors.count(), "no loop errors");
            }
        }
        assertFalse(server.server().listeners().isEmpty());
    }
}
