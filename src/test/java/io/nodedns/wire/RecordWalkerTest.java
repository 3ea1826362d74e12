package io.nodedns.wire;

import static io.nodedns.wire.WireTestSupport.direct;
import static io.nodedns.wire.WireTestSupport.name;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;

import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;
import org.xbill.DNS.CNAMERecord;
import org.xbill.DNS.CookieOption;
import org.xbill.DNS.DClass;
import org.xbill.DNS.MXRecord;
import org.xbill.DNS.Message;
import org.xbill.DNS.NSRecord;
import org.xbill.DNS.Name;
import org.xbill.DNS.OPTRecord;
import org.xbill.DNS.Record;
import org.xbill.DNS.SOARecord;
import org.xbill.DNS.SRVRecord;
import org.xbill.DNS.Section;
import org.xbill.DNS.TXTRecord;
import org.xbill.DNS.Type;

class RecordWalkerTest {
    private final RecordWalker w = new RecordWalker();

    /** A response using compression in every section, owners and RDATA names alike. */
    static Message compressedResponse() {
        final Message q = WireTestSupport.query("www.example.org", Type.A);
        final Message r = WireTestSupport.aResponse(q, 0);
        r.addRecord(new CNAMERecord(name("www.example.org"), DClass.IN, 300, name("cdn.example.org")), Section.ANSWER);
        r.addRecord(WireTestSupport.a(name("cdn.example.org"), 60, 1), Section.ANSWER);
        r.addRecord(WireTestSupport.a(name("cdn.example.org"), 60, 2), Section.ANSWER);
        r.addRecord(new MXRecord(name("example.org"), DClass.IN, 10, 5, name("mx.example.org")), Section.ANSWER);
        r.addRecord(new TXTRecord(name("example.org"), DClass.IN, 10, "v=spf1 -all"), Section.ANSWER);
        r.addRecord(new NSRecord(name("example.org"), DClass.IN, 3600, name("ns1.example.org")), Section.AUTHORITY);
        r.addRecord(new NSRecord(name("example.org"), DClass.IN, 3600, name("ns2.example.org")), Section.AUTHORITY);
        r.addRecord(new SOARecord(name("example.org"), DClass.IN, 900, name("ns1.example.org"),
                name("hostmaster.example.org"), 2024, 7200, 900, 1209600, 300), Section.AUTHORITY);
        r.addRecord(WireTestSupport.a(name("ns1.example.org"), 3600, 53), Section.ADDITIONAL);
        r.addRecord(WireTestSupport.aaaa(name("ns2.example.org"), 3600, 53), Section.ADDITIONAL);
        r.addRecord(new SRVRecord(name("_dns._udp.example.org"), DClass.IN, 60, 1, 2, 53, name("ns1.example.org")),
                Section.ADDITIONAL);
        r.addRecord(new OPTRecord(1232, 0, 0, 0x8000, List.of(new CookieOption(new byte[8]))), Section.ADDITIONAL);
        return r;
    }

    @Test
    void walksEveryRecordLikeDnsjava() throws Exception {
        final Message m = compressedResponse();
        final byte[] wire = m.toWire();
        final int off = 21;
        final UnsafeBuffer b = direct(wire, off, 4096);
        assertEquals(0, w.wrap(b, off, wire.length));
        final Message parsed = WireTestSupport.parse(wire);
        assertEquals(off + 12 + m.getQuestion().getName().length() + 4, w.questionEnd());
        assertEquals(5, w.answerCount());
        assertEquals(3, w.authorityCount());
        assertEquals(4, w.additionalCount());
        final UnsafeBuffer tmp = new UnsafeBuffer(new byte[256]);
        int index = 0;
        boolean sawPointer = false;
        for (int s = Section.ANSWER; s <= Section.ADDITIONAL; s++) {
            for (final Record r : parsed.getSection(s)) {
                assertTrue(w.next(), "record " + index);
                assertEquals(index, w.index());
                assertEquals(s, w.section());
                assertEquals(r.getType(), w.type());
                assertEquals(r.getDClass(), w.rrClass());
                assertEquals(r.getTTL(), w.ttl() & 0xFFFFFFFFL);
                assertEquals(b.getInt(w.ttlOffset(), java.nio.ByteOrder.BIG_ENDIAN), w.ttl());
                assertEquals(w.recordOffset(), w.ownerOffset());
                assertEquals(w.rdataOffset() + w.rdataLength(), w.recordEnd());
                sawPointer |= w.ownerEnd() - w.ownerOffset() == 2;
                final int len = Names.expand(b, off, w.ownerOffset(), off + wire.length, tmp, 0);
                Names.toLowerCase(tmp, 0, len);
                assertArrayEquals(r.getName().toWireCanonical(), WireTestSupport.bytes(tmp, 0, len));
                final Name rdName = rdataName(r);
                if (rdName != null) {
                    final int at = w.rdataOffset() + (r.getType() == Type.MX ? 2 : r.getType() == Type.SRV ? 6 : 0);
                    final int n = Names.expand(b, off, at, w.recordEnd(), tmp, 0);
                    Names.toLowerCase(tmp, 0, n);
                    assertArrayEquals(rdName.toWireCanonical(), WireTestSupport.bytes(tmp, 0, n), r.toString());
                } else if (r.getType() != Type.SOA) {
                    assertArrayEquals(r.rdataToWireCanonical(),
                            WireTestSupport.bytes(b, w.rdataOffset(), w.rdataLength()));
                }
                index++;
            }
        }
        assertTrue(sawPointer);
        assertFalse(w.next());
        assertEquals(0, w.error());
        assertEquals(off + wire.length, w.position());
        assertEquals(12, index);

        w.rewind();
        assertTrue(w.next());
        assertEquals(0, w.index());
        assertEquals(Type.CNAME, w.type());
    }

    @Test
    void ttlPatchingThroughTtlOffsetIsSeenByDnsjava() {
        final byte[] wire = compressedResponse().toWire();
        final UnsafeBuffer b = direct(wire);
        assertEquals(0, w.wrap(b, 0, wire.length));
        while (w.next()) {
            if (w.type() != Type.OPT) {
                b.putInt(w.ttlOffset(), 7 + w.index(), java.nio.ByteOrder.BIG_ENDIAN);
            }
        }
        final Message m = WireTestSupport.parse(b, 0, wire.length);
        int i = 0;
        for (final Record r : WireTestSupport.all(m)) {
            if (r.getType() != Type.OPT) {
                assertEquals(7 + i, r.getTTL());
            }
            i++;
        }
    }

    @Test
    void malformedMessagesStopWithAnError() {
        final byte[] wire = compressedResponse().toWire();
        assertEquals(Records.ERR_HEADER, w.wrap(direct(wire), 0, 11));
        assertFalse(w.next());
        assertEquals(Records.ERR_TRUNCATED, w.wrap(direct(wire), 0, 12 + 17 + 3));

        // cut inside the records: every record before the cut is returned, then an error
        for (int cut = 40; cut < wire.length; cut += 7) {
            assertEquals(0, w.wrap(direct(wire), 0, cut));
            int seen = 0;
            while (w.next()) {
                assertTrue(w.recordEnd() <= cut);
                seen++;
            }
            assertNotEquals(0, w.error(), "cut " + cut);
            assertTrue(seen < 12);
        }

        final byte[] loop = wire.clone();
        final int firstRecord = 12 + 17 + 4;
        loop[firstRecord] = (byte) 0xC0;
        loop[firstRecord + 1] = (byte) firstRecord;
        assertEquals(0, w.wrap(direct(loop), 0, loop.length));
        assertFalse(w.next());
        assertEquals(Names.ERR_LOOP, w.error());
        w.rewind();
        assertEquals(0, w.error());
        assertFalse(w.next());
    }

    @Test
    void emptySectionsAndQuestionlessMessages() {
        final Message m = new Message(99);
        final byte[] wire = m.toWire();
        assertEquals(0, w.wrap(direct(wire), 0, wire.length));
        assertEquals(12, w.questionEnd());
        assertFalse(w.next());
        assertEquals(0, w.error());
    }

    private static Name rdataName(final Record r) {
        return switch (r) {
            case CNAMERecord c -> c.getTarget();
            case NSRecord n -> n.getTarget();
            case MXRecord mx -> mx.getTarget();
            case SRVRecord srv -> srv.getTarget();
            default -> null;
        };
    }
}
