package io.nodedns.plugin.forward;

import static io.nodedns.plugin.forward.ForwardTesting.start;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.nodedns.testing.DnsClient;
import io.nodedns.testing.FakeUpstream;
import java.net.InetAddress;
import java.util.Arrays;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.junit.jupiter.api.Test;
import org.xbill.DNS.ARecord;
import org.xbill.DNS.DClass;
import org.xbill.DNS.Message;
import org.xbill.DNS.Name;
import org.xbill.DNS.Rcode;
import org.xbill.DNS.Record;
import org.xbill.DNS.Section;
import org.xbill.DNS.Type;

/**
 * RFC 5452 on the UDP path: only a datagram on the socket the query left from (connected, so from
 * the upstream's address and port), with its ID and its question, is accepted; anything else is
 * dropped and counted, and the genuine reply that follows still wins.
 */
class ForwardSpoofTest {
    private static final String CONFIG = ".:PORT {\n forward . %s {\n max_fails 0\n }\n}";

    /** A reply to q that says 6.6.6.6, as a spoofer would. */
    private static byte[] forged(Message q, int id) throws java.io.IOException {
        Message r = FakeUpstream.replyTo(q, Rcode.NOERROR);
        r.getHeader().setID(id);
        r.addRecord(new ARecord(q.getQuestion().getName(), DClass.IN, 60, InetAddress.getByName("6.6.6.6")),
                Section.ANSWER);
        return r.toWire();
    }

    private static String answer(Message m) {
        return ((ARecord) m.getSection(Section.ANSWER).getFirst()).getAddress().getHostAddress();
    }

    @Test
    void junkAndWrongIdWithTruncatedBodyAreSkipped() throws Exception {
        try (FakeUpstream up = FakeUpstream.start(); var s = start(CONFIG.formatted(up.hostPort()))) {
            up.behaviour((q, out) -> {
                out.send(new byte[]{1, 2, 3});
                byte[] wrongId = Arrays.copyOf(forged(q.message(), q.id() ^ 0x5A5A), 15); // header + 3 bytes of body
                out.send(wrongId);
                byte[] rightIdBroken = Arrays.copyOf(forged(q.message(), q.id()), 20); // cut inside the question
                out.send(rightIdBroken);
                byte[] notResponse = up.replyFor(q.message()).toWire();
                notResponse[2] &= 0x7F; // QR=0
                out.send(notResponse);
                out.answer();
            });
            assertEquals("192.0.2.1", answer(s.udp(DnsClient.query("junk.example.org", Type.A))));
            assertTrue(ForwardTesting.eventually(1000, () -> s.forward().mismatched.sum() == 4),
                    "dropped " + s.forward().mismatched.sum());
        }
    }

    @Test
    void wrongIdIsDroppedAndTheGenuineReplyAccepted() throws Exception {
        try (FakeUpstream up = FakeUpstream.start(); var s = start(CONFIG.formatted(up.hostPort()))) {
            up.behaviour((q, out) -> {
                out.send(forged(q.message(), (q.id() + 1) & 0xFFFF));
                out.answer();
            });
            for (int i = 0; i < 5; i++) {
                assertEquals("192.0.2.1", answer(s.udp(DnsClient.query("id" + i + ".example.org", Type.A))));
            }
            assertEquals(5, s.forward().mismatched.sum());
        }
    }

    @Test
    void wrongQuestionIsDroppedAndTheGenuineReplyAccepted() throws Exception {
        try (FakeUpstream up = FakeUpstream.start(); var s = start(CONFIG.formatted(up.hostPort()))) {
            up.behaviour((q, out) -> {
                Message otherName = Message
                        .newQuery(Record.newRecord(Name.fromString("evil.example.net."), Type.A, DClass.IN));
                otherName.getHeader().setID(q.id());
                out.send(forged(otherName, q.id()));
                Message otherType = Message
                        .newQuery(Record.newRecord(q.message().getQuestion().getName(), Type.AAAA, DClass.IN));
                out.send(forged(otherType, q.id()));
                out.answer();
            });
            Message r = s.udp(DnsClient.query("Mixed-Case.Example.ORG", Type.A));
            assertEquals("192.0.2.1", answer(r));
            assertEquals(2, s.forward().mismatched.sum());
        }
    }

    /** Issue 23 item 6: right ID, socket and question but opcode 5 (UPDATE) for a query (0): dropped and counted. */
    @Test
    void wrongOpcodeIsDroppedAndTheGenuineReplyAccepted() throws Exception {
        try (FakeUpstream up = FakeUpstream.start(); var s = start(CONFIG.formatted(up.hostPort()))) {
            up.behaviour((q, out) -> {
                byte[] update = forged(q.message(), q.id());
                update[2] = (byte) ((update[2] & 0x87) | (5 << 3)); // opcode bits 3-6 of the third byte
                out.send(update);
                out.answer();
            });
            for (int i = 0; i < 3; i++) {
                Message r = s.udp(DnsClient.query("op" + i + ".example.org", Type.A));
                assertEquals("192.0.2.1", answer(r), "the genuine reply, not the one with opcode 5");
                assertEquals(0, r.getHeader().getOpcode());
            }
            assertEquals(3, s.forward().mismatched.sum());
        }
    }

    /** The same over the blocking path (a TCP client's query forwarded over UDP). */
    @Test
    void wrongOpcodeIsDroppedOnTheBlockingPathToo() throws Exception {
        try (FakeUpstream up = FakeUpstream.start();
                var s = start(".:PORT {\n forward . " + up.hostPort() + " {\n prefer_udp\n max_fails 0\n }\n}")) {
            up.behaviour((q, out) -> {
                byte[] notify = forged(q.message(), q.id());
                notify[2] = (byte) ((notify[2] & 0x87) | (4 << 3));
                out.send(notify);
                out.answer();
            });
            assertEquals("192.0.2.1", answer(s.tcp(DnsClient.query("op-tcp.example.org", Type.A))));
            assertEquals(1, s.forward().mismatched.sum());
        }
    }

    @Test
    void replyFromAnotherPortNeverReachesTheConnectedSocket() throws Exception {
        try (FakeUpstream up = FakeUpstream.start(); var s = start(CONFIG.formatted(up.hostPort()))) {
            up.behaviour((q, out) -> {
                out.sendFromOtherPort(forged(q.message(), q.id()));
                out.later(30, up.replyFor(q.message()).toWire());
            });
            for (int i = 0; i < 3; i++) {
                assertEquals("192.0.2.1", answer(s.udp(DnsClient.query("port" + i + ".example.org", Type.A))));
            }
        }
    }

    @Test
    void replyArrivingOnAnotherOfOurSocketsIsDropped() throws Exception {
        Set<Integer> ports = ConcurrentHashMap.newKeySet();
        try (FakeUpstream up = FakeUpstream.start();
                var s = start(".:PORT {\n multisocket 1\n forward . "
                        + up.hostPort() + " {\n max_fails 0\n }\n}")) {
            up.behaviour((q, out) -> {
                int mine = q.from().getPort();
                for (int other : ports) {
                    if (other != mine) {
                        out.sendToPort(other, forged(q.message(), q.id())); // right ID and question, wrong socket
                    }
                }
                ports.add(mine);
                out.later(20, up.replyFor(q.message()).toWire());
            });
            for (int i = 0; i < 30; i++) {
                assertEquals("192.0.2.1", answer(s.udp(DnsClient.query("sock" + i + ".example.org", Type.A))));
            }
            assertTrue(ports.size() > 1 && ports.size() <= UdpForwarder.SOCKETS_PER_UPSTREAM, "ports " + ports);
            assertTrue(s.forward().mismatched.sum() >= 1, "misdirected replies counted");
        }
    }

    @Test
    void blockingUdpPathSkipsWrongIdsToo() throws Exception {
        try (FakeUpstream up = FakeUpstream.start();
                var s = start(".:PORT {\n forward . " + up.hostPort() + " {\n prefer_udp\n max_fails 0\n }\n}")) {
            up.behaviour((q, out) -> {
                out.send(forged(q.message(), (q.id() + 7) & 0xFFFF));
                out.answer();
            });
            assertEquals("192.0.2.1", answer(s.tcp(DnsClient.query("tcp-client.example.org", Type.A))));
            assertEquals(1, s.forward().mismatched.sum());
        }
    }
}
