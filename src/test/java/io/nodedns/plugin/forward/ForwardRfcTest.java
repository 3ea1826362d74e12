package io.nodedns.plugin.forward;

import static io.nodedns.plugin.forward.ForwardTesting.start;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.nodedns.testing.DnsClient;
import io.nodedns.testing.FakeUpstream;
import io.nodedns.testing.Unmeasured;
import java.io.ByteArrayOutputStream;
import java.net.InetAddress;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.xbill.DNS.ARecord;
import org.xbill.DNS.DClass;
import org.xbill.DNS.Flags;
import org.xbill.DNS.Message;
import org.xbill.DNS.Name;
import org.xbill.DNS.Opcode;
import org.xbill.DNS.Rcode;
import org.xbill.DNS.Record;
import org.xbill.DNS.Section;
import org.xbill.DNS.Type;

/**
 * The RFC points of issue 18 that a caching forwarder gets wrong easily, end to end over loopback
 * sockets with cache in front of forward and a fake upstream: CD (RFC 4035 3.2.2), an OPT on every
 * reply the server writes itself (RFC 6891 6.1.1, 7), two OPTs, the client's name case (RFC 4343
 * 4.1) and negative answers without an SOA (RFC 2308 5). Special-use names are in
 * {@link SpecialNamesTest}.
 */
@Unmeasured
class ForwardRfcTest {

    private static String cacheAndForward(FakeUpstream up) {
        return ".:PORT {\n cache 300\n forward . " + up.hostPort() + "\n}";
    }

    private static Message query(String name, int type, boolean cd, boolean edns, boolean dnssecOk) {
        Message q = DnsClient.query(name, type);
        if (cd) {
            q.getHeader().setFlag(Flags.CD);
        }
        return edns ? DnsClient.withEdns(q, 1232, dnssecOk) : q;
    }

    @Test
    void cdIsCopiedToTheReplyOnMissAndHitEvenWhenTheUpstreamClearsIt() throws Exception {
        try (FakeUpstream up = FakeUpstream.start(); var s = start(cacheAndForward(up))) {
            // FakeUpstream.replyTo never sets CD, as knot does.
            for (boolean dnssecOk : new boolean[]{false, true}) {
                String name = dnssecOk ? "cd-do.example.org" : "cd.example.org";
                Message miss = s.udp(query(name, Type.A, true, dnssecOk, dnssecOk));
                assertTrue(miss.getHeader().getFlag(Flags.CD), "RFC 4035 3.2.2: CD copied on a miss, DO=" + dnssecOk);
                Message hit = s.udp(query(name, Type.A, true, dnssecOk, dnssecOk));
                assertTrue(hit.getHeader().getFlag(Flags.CD), "CD copied on a hit, DO=" + dnssecOk);
                assertEquals(Rcode.NOERROR, hit.getRcode());
            }
            assertEquals(2, up.clientQueries(), "the second of each pair is a hit");
            Message tcp = s.tcp(query("cd-tcp.example.org", Type.A, true, false, false));
            assertTrue(tcp.getHeader().getFlag(Flags.CD), "CD copied on a TCP miss");
        }
    }

    @Test
    void raIsSetOnMissAndHitWhenTheUpstreamIsAuthoritativeOnly() throws Exception {
        try (FakeUpstream up = FakeUpstream.start(); var s = start(cacheAndForward(up))) {
            up.behaviour((q, out) -> {
                Message r = FakeUpstream.replyTo(q.message(), Rcode.NOERROR);
                r.getHeader().unsetFlag(Flags.RA); // an authoritative server, as knot is
                r.getHeader().setFlag(Flags.AA);
                r.addRecord(new org.xbill.DNS.ARecord(q.message().getQuestion().getName(), DClass.IN, 300,
                        java.net.InetAddress.getLoopbackAddress()), org.xbill.DNS.Section.ANSWER);
                out.send(r.toWire());
            });
            Message miss = s.udp(query("ra.example.org", Type.A, false, false, false));
            assertTrue(miss.getHeader().getFlag(Flags.RA), "RFC 1035 4.1.1: RA=1 on a miss");
            Message hit = s.udp(query("ra.example.org", Type.A, false, false, false));
            assertTrue(hit.getHeader().getFlag(Flags.RA), "RA=1 on a hit");
            assertEquals(1, up.clientQueries(), "the second is a hit");
            assertTrue(s.tcp(query("ra-tcp.example.org", Type.A, false, false, false)).getHeader().getFlag(Flags.RA),
                    "RA=1 over TCP");
        }
    }

    @Test
    void repliesTheServerWritesCarryAnOptWhenTheQueryHadOne() throws Exception {
        try (FakeUpstream up = FakeUpstream.start();
                var s = start("example.org:PORT {\n forward . " + up.hostPort() + "\n}")) {
            for (int opcode : new int[]{Opcode.STATUS, 3}) {
                Message q = query("www.example.org", Type.A, false, true, true);
                q.getHeader().setOpcode(opcode);
                Message r = s.udp(q);
                assertEquals(Rcode.NOTIMP, r.getRcode(), "opcode " + opcode);
                assertNotNull(r.getOPT(), "RFC 6891 7: NOTIMP to opcode " + opcode + " carries an OPT");
                assertEquals(Flags.DO, r.getOPT().getFlags() & Flags.DO, "the client's DO is echoed");
            }

            byte[] twoQuestions = query("www.example.org", Type.A, false, true, false).toWire();
            twoQuestions[5] = 2; // QDCOUNT 2 with one question: FORMERR
            Message formerr = new Message(udpRaw(s.port(), twoQuestions));
            assertEquals(Rcode.FORMERR, formerr.getRcode());
            assertNotNull(formerr.getOPT(), "RFC 6891 7: FORMERR carries an OPT");

            Message refused = s.udp(query("www.example.net", Type.A, false, true, false));
            assertEquals(Rcode.REFUSED, refused.getRcode());
            assertNotNull(refused.getOPT(), "REFUSED carries an OPT");

            up.behaviour((query, out) -> {}); // silent: forward gives up with SERVFAIL
            Message servfail = s.udp(query("slow.example.org", Type.A, false, true, false), 8000);
            assertEquals(Rcode.SERVFAIL, servfail.getRcode());
            assertNotNull(servfail.getOPT(), "SERVFAIL carries an OPT");
        }
    }

    @Test
    void twoOptRecordsAreFormerrWithExactlyOneOptAndNeverForwarded() throws Exception {
        try (FakeUpstream up = FakeUpstream.start(); var s = start(cacheAndForward(up))) {
            byte[] one = query("two-opt.example.org", Type.A, false, true, false).toWire();
            int optLength = 11;
            byte[] two = Arrays.copyOf(one, one.length + optLength);
            System.arraycopy(one, one.length - optLength, two, one.length, optLength);
            two[11] = 2; // ARCOUNT 2: the same OPT twice
            byte[] raw = udpRaw(s.port(), two);
            assertNotNull(raw, "a reply");
            Message r = new Message(raw);
            assertEquals(Rcode.FORMERR, r.getRcode(), "RFC 6891 6.1.1: more than one OPT is FORMERR");
            List<Record> additional = r.getSection(Section.ADDITIONAL);
            assertEquals(1, additional.size(), "exactly one record in the additional section");
            assertEquals(Type.OPT, additional.getFirst().getType());
            assertEquals(0, up.clientQueries(), "never forwarded");
        }
    }

    @Test
    void clientsCaseIsKeptOnMissAndHitWhenTheUpstreamAnswersInLowerCase() throws Exception {
        try (FakeUpstream up = FakeUpstream.start(); var s = start(cacheAndForward(up))) {
            // The upstream lowers the question; its answer's owner is compressed to that question.
            up.reply(q -> {
                Name lower = lower(q.getQuestion().getName());
                Message r = FakeUpstream.replyTo(q, Rcode.NOERROR);
                r.removeAllRecords(Section.QUESTION);
                r.addRecord(Record.newRecord(lower, q.getQuestion().getType(), q.getQuestion().getDClass()),
                        Section.QUESTION);
                r.addRecord(a(lower, "192.0.2.7"), Section.ANSWER);
                return r;
            });
            for (String name : new String[]{"WwW.ExAmPlE.oRg", "www.EXAMPLE.org"}) {
                Message r = s.udp(query(name, Type.A, false, false, false));
                assertEquals(name + ".", r.getQuestion().getName().toString(), "RFC 4343 4.1: the question as sent");
                assertEquals(name + ".", r.getSection(Section.ANSWER).getFirst().getName().toString(),
                        "the owner as sent");
            }
            assertEquals(1, up.clientQueries(), "the second is a hit");
        }
    }

    @Test
    void uncompressedOwnerNamesTakeTheClientsCaseOnMissAndHit() throws Exception {
        try (FakeUpstream up = FakeUpstream.start(); var s = start(cacheAndForward(up))) {
            // An upstream that writes the owner name out in full, in upper case.
            up.behaviour((q, out) -> out.send(uncompressedUpperCaseAnswer(q.wire())));
            for (String name : new String[]{"mIxEd.ExAmPlE.oRg", "Mixed.Example.Org"}) {
                Message r = s.udp(query(name, Type.A, false, false, false));
                assertEquals(name + ".", r.getQuestion().getName().toString());
                Record answer = r.getSection(Section.ANSWER).getFirst();
                assertEquals(name + ".", answer.getName().toString(), "RFC 4343 4.1: the owner in the client's case");
                assertArrayEquals(new byte[]{(byte) 192, 0, 2, 9}, ((ARecord) answer).getAddress().getAddress());
            }
            assertEquals(1, up.clientQueries(), "the second is a hit");
        }
    }

    @Test
    void nodataWithoutSoaIsNotCached() throws Exception {
        try (FakeUpstream up = FakeUpstream.start(); var s = start(cacheAndForward(up))) {
            // No answer, no SOA: RFC 2308 5 says such negative answers are not cached.
            up.reply(q -> FakeUpstream.replyTo(q, Rcode.NOERROR));
            assertEquals(0,
                    s.udp(query("later.example.org", Type.A, false, false, false)).getSection(Section.ANSWER).size());
            up.reply(FakeUpstream::answer);
            Message second = s.udp(query("later.example.org", Type.A, false, false, false));
            assertEquals(1, second.getSection(Section.ANSWER).size(),
                    "the data that appeared upstream is seen at once");
            assertEquals(2, up.clientQueries());
        }
    }

    private static Name lower(Name n) {
        try {
            return Name.fromString(n.toString().toLowerCase(java.util.Locale.ROOT));
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    private static Record a(Name owner, String address) {
        try {
            return new ARecord(owner, 1, 60, InetAddress.getByName(address));
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    /** A reply to {@code query} (one A question, no EDNS) with question and owner in upper case, no compression. */
    private static byte[] uncompressedUpperCaseAnswer(byte[] query) {
        int qend = 12;
        while (query[qend] != 0) {
            qend += (query[qend] & 0xFF) + 1;
        }
        qend++;
        byte[] name = Arrays.copyOfRange(query, 12, qend);
        for (int i = 0; i < name.length; i++) {
            if (name[i] >= 'a' && name[i] <= 'z') {
                name[i] -= 32;
            }
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.write(query[0]);
        out.write(query[1]);
        out.write(0x81); // QR, RD
        out.write(0x80); // RA
        out.writeBytes(new byte[]{0, 1, 0, 1, 0, 0, 0, 0});
        out.writeBytes(name);
        out.writeBytes(new byte[]{0, 1, 0, 1});
        out.writeBytes(name);
        out.writeBytes(new byte[]{0, 1, 0, 1, 0, 0, 0, 60, 0, 4, (byte) 192, 0, 2, 9});
        return out.toByteArray();
    }

    private static byte[] udpRaw(int port, byte[] wire) throws Exception {
        try (DnsClient c = new DnsClient(port)) {
            return c.udpRaw(wire);
        }
    }
}
