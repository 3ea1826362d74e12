package io.nodedns.plugin.loadbalance;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetAddress;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;
import org.xbill.DNS.AAAARecord;
import org.xbill.DNS.ARecord;
import org.xbill.DNS.CNAMERecord;
import org.xbill.DNS.DClass;
import org.xbill.DNS.Flags;
import org.xbill.DNS.MXRecord;
import org.xbill.DNS.Message;
import org.xbill.DNS.NSRecord;
import org.xbill.DNS.Name;
import org.xbill.DNS.OPTRecord;
import org.xbill.DNS.Record;
import org.xbill.DNS.Section;
import org.xbill.DNS.TXTRecord;
import org.xbill.DNS.Type;

/** The wire-level shuffle against dnsjava as the oracle: every reply parses, keeps its records, and is reordered as CoreDNS does. */
class RecordShufflerTest {
    private static final Name Q = name("www.example.org.");
    private static final Name CDN = name("edge.cdn.example.net.");

    private static Name name(String s) {
        try {
            return Name.fromString(s);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    private static Message reply(int qtype) {
        Message m = new Message(7);
        m.getHeader().setFlag(Flags.QR);
        m.addRecord(Record.newRecord(Q, qtype, DClass.IN), Section.QUESTION);
        return m;
    }

    private static ARecord a(Name owner, String ip) throws Exception {
        return new ARecord(owner, DClass.IN, 60, InetAddress.getByName(ip));
    }

    /** Shuffles the wire form of {@code m} and parses the result back with dnsjava. */
    private static Message shuffled(RecordShuffler s, Message m, PreferredSubnets prefer) throws Exception {
        byte[] wire = m.toWire();
        UnsafeBuffer b = new UnsafeBuffer(wire);
        s.shuffle(b, wire.length, prefer);
        return new Message(wire);
    }

    private static List<String> texts(Message m, int section) {
        List<String> out = new ArrayList<>();
        for (Record r : m.getSection(section)) {
            out.add(r.toString());
        }
        return out;
    }

    private static void sameRecords(Message before, Message after) {
        for (int section : new int[]{Section.ANSWER, Section.AUTHORITY, Section.ADDITIONAL}) {
            List<String> x = texts(before, section);
            List<String> y = texts(after, section);
            x.sort(null);
            y.sort(null);
            assertEquals(x, y, "section " + section);
        }
    }

    @Test
    void addressOnlySectionIsShuffledWithEveryRecordKept() throws Exception {
        Message m = reply(Type.A);
        for (int i = 1; i <= 6; i++) {
            m.addRecord(a(Q, "192.0.2." + i), Section.ANSWER);
        }
        RecordShuffler s = new RecordShuffler(42);
        Set<String> firsts = new HashSet<>();
        Set<List<String>> orders = new HashSet<>();
        for (int i = 0; i < 200; i++) {
            Message out = shuffled(s, m, PreferredSubnets.NONE);
            sameRecords(m, out);
            firsts.add(out.getSection(Section.ANSWER).getFirst().rdataToString());
            orders.add(texts(out, Section.ANSWER));
        }
        assertEquals(6, firsts.size(), "every address comes first sometimes");
        assertTrue(orders.size() > 50, "many distinct orders: " + orders.size());
    }

    @Test
    void mixedSectionIsCnamesOtherAddressesMx() throws Exception {
        Message m = reply(Type.ANY);
        m.addRecord(new MXRecord(Q, DClass.IN, 60, 10, name("mx1.example.org.")), Section.ANSWER);
        m.addRecord(a(Q, "192.0.2.1"), Section.ANSWER);
        m.addRecord(new TXTRecord(Q, DClass.IN, 60, "hello"), Section.ANSWER);
        m.addRecord(new AAAARecord(Q, DClass.IN, 60, InetAddress.getByName("2001:db8::1")), Section.ANSWER);
        m.addRecord(new CNAMERecord(Q, DClass.IN, 60, CDN), Section.ANSWER);
        m.addRecord(new MXRecord(Q, DClass.IN, 60, 20, name("mx2.example.org.")), Section.ANSWER);
        m.addRecord(a(Q, "192.0.2.2"), Section.ANSWER);
        // glue pointing into the MX RDATA of the answer section: it must still decode after the move
        m.addRecord(a(name("mx1.example.org."), "198.51.100.1"), Section.ADDITIONAL);
        m.addRecord(a(name("mx2.example.org."), "198.51.100.2"), Section.ADDITIONAL);
        m.addRecord(new OPTRecord(1232, 0, 0), Section.ADDITIONAL);
        RecordShuffler s = new RecordShuffler(7);
        Set<String> mxFirst = new HashSet<>();
        for (int i = 0; i < 100; i++) {
            Message out = shuffled(s, m, PreferredSubnets.NONE);
            sameRecords(m, out);
            List<Record> ans = out.getSection(Section.ANSWER);
            assertEquals(Type.CNAME, ans.get(0).getType());
            assertEquals(Type.TXT, ans.get(1).getType());
            for (int k = 2; k < 5; k++) {
                assertTrue(ans.get(k).getType() == Type.A || ans.get(k).getType() == Type.AAAA, ans.toString());
            }
            assertEquals(Type.MX, ans.get(5).getType());
            assertEquals(Type.MX, ans.get(6).getType());
            mxFirst.add(((MXRecord) ans.get(5)).getTarget().toString());
            assertEquals(Type.OPT, out.getSection(Section.ADDITIONAL).getLast().getType(), "OPT stays last");
        }
        assertEquals(2, mxFirst.size(), "MX records are shuffled too");
    }

    @Test
    void pointersIntoMovedRecordsStayValid() throws Exception {
        // owners of the A records are compressed against the CNAME target and the NS RDATA;
        // the first A record for ns.other holds the full name that later ones point to.
        Message m = reply(Type.A);
        m.addRecord(new CNAMERecord(Q, DClass.IN, 60, CDN), Section.ANSWER);
        for (int i = 1; i <= 4; i++) {
            m.addRecord(a(CDN, "203.0.113." + i), Section.ANSWER);
        }
        m.addRecord(new NSRecord(name("cdn.example.net."), DClass.IN, 60, name("ns1.cdn.example.net.")),
                Section.AUTHORITY);
        Name other = name("ns.other.test.");
        for (int i = 1; i <= 3; i++) {
            m.addRecord(a(other, "198.51.100." + i), Section.ADDITIONAL);
        }
        RecordShuffler s = new RecordShuffler(99);
        Set<String> answerFirsts = new HashSet<>();
        int additionalMoved = 0;
        int answerMoved = 0;
        for (int i = 0; i < 200; i++) {
            Message out = shuffled(s, m, PreferredSubnets.NONE);
            sameRecords(m, out);
            assertEquals(Type.CNAME, out.getSection(Section.ANSWER).getFirst().getType());
            answerFirsts.add(out.getSection(Section.ANSWER).get(1).rdataToString());
            if (!texts(out, Section.ADDITIONAL).equals(texts(m, Section.ADDITIONAL))) {
                additionalMoved++;
            }
            if (!texts(out, Section.ANSWER).equals(texts(m, Section.ANSWER))) {
                answerMoved++;
            }
        }
        assertEquals(4, answerFirsts.size());
        assertTrue(answerMoved > 150,
                "the answer is shuffled even when the additional section cannot be: " + answerMoved);
        assertTrue(additionalMoved > 0, "the additional section was shuffled with its pointers rewritten");
    }

    @Test
    void preferPutsPreferredSubnetsFirst() throws Exception {
        Message m = reply(Type.A);
        m.addRecord(a(Q, "192.0.2.1"), Section.ANSWER);
        m.addRecord(a(Q, "10.9.20.5"), Section.ANSWER);
        m.addRecord(a(Q, "192.0.2.2"), Section.ANSWER);
        m.addRecord(a(Q, "192.168.1.9"), Section.ANSWER);
        m.addRecord(a(Q, "10.9.20.6"), Section.ANSWER);
        int[] bits = new int[1];
        byte[] first = PreferredSubnets.parseNetwork("192.168.1.0/24", bits);
        int firstBits = bits[0];
        byte[] second = PreferredSubnets.parseNetwork("10.9.20.0/24", bits);
        PreferredSubnets prefer = PreferredSubnets.of(List.of(first, second), List.of(firstBits, bits[0]));
        RecordShuffler s = new RecordShuffler(5);
        for (int i = 0; i < 50; i++) {
            List<Record> ans = shuffled(s, m, prefer).getSection(Section.ANSWER);
            assertEquals("192.168.1.9", ans.get(0).rdataToString());
            assertTrue(ans.get(1).rdataToString().startsWith("10.9.20."));
            assertTrue(ans.get(2).rdataToString().startsWith("10.9.20."));
            assertTrue(ans.get(3).rdataToString().startsWith("192.0.2."));
        }
    }

    @Test
    void keepingTheOrderIsAsLikelyAsAnyOther() throws Exception {
        // a draw that keeps the order must stand: drawing again (the retry meant for pointers that
        // cannot be relocated) made the first of two addresses stay first 25 % of the time, not 50 %
        Message m = reply(Type.A);
        m.addRecord(a(Q, "192.0.2.1"), Section.ANSWER);
        m.addRecord(a(Q, "192.0.2.2"), Section.ANSWER);
        byte[] wire = m.toWire();
        RecordShuffler s = new RecordShuffler(42);
        int kept = 0;
        for (int i = 0; i < 10_000; i++) {
            byte[] copy = wire.clone();
            s.shuffle(new UnsafeBuffer(copy), copy.length, PreferredSubnets.NONE);
            kept += new Message(copy).getSection(Section.ANSWER).getFirst().rdataToString().equals("192.0.2.1") ? 1 : 0;
        }
        assertTrue(kept > 4_600 && kept < 5_400, "first record kept first " + kept + " of 10000 times");
    }

    @Test
    void singleRecordsAndGarbageAreLeftAlone() throws Exception {
        Message m = reply(Type.A);
        m.addRecord(a(Q, "192.0.2.1"), Section.ANSWER);
        byte[] wire = m.toWire();
        byte[] copy = wire.clone();
        assertFalse(new RecordShuffler(1).shuffle(new UnsafeBuffer(wire), wire.length, PreferredSubnets.NONE));
        assertArrayEquals(copy, wire);
        java.util.Random random = new java.util.Random(1234);
        Message many = reply(Type.A);
        for (int i = 1; i <= 5; i++) {
            many.addRecord(a(Q, "192.0.2." + i), Section.ANSWER);
        }
        byte[] good = many.toWire();
        RecordShuffler s = new RecordShuffler(3);
        for (int i = 0; i < 2000; i++) {
            byte[] bad = good.clone();
            bad[12 + random.nextInt(bad.length - 12)] = (byte) random.nextInt(256);
            s.shuffle(new UnsafeBuffer(bad), bad.length - random.nextInt(4), PreferredSubnets.NONE); // must not throw
        }
    }
}
