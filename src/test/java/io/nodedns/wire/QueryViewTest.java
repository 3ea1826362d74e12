package io.nodedns.wire;

import static io.nodedns.wire.WireTestSupport.direct;
import static io.nodedns.wire.WireTestSupport.name;
import static io.nodedns.wire.WireTestSupport.query;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetAddress;
import java.util.Arrays;

import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;
import org.xbill.DNS.ClientSubnetOption;
import org.xbill.DNS.CookieOption;
import org.xbill.DNS.DClass;
import org.xbill.DNS.EDNSOption;
import org.xbill.DNS.Flags;
import org.xbill.DNS.GenericEDNSOption;
import org.xbill.DNS.Message;
import org.xbill.DNS.OPTRecord;
import org.xbill.DNS.Opcode;
import org.xbill.DNS.SOARecord;
import org.xbill.DNS.Section;
import org.xbill.DNS.Type;

class QueryViewTest {
    private final QueryView q = new QueryView();

    @Test
    void plainQueryMatchesDnsjava() {
        final Message m = query("My-Svc.my-ns.svc.cluster.local", Type.AAAA);
        m.getHeader().setFlag(Flags.CD);
        final byte[] wire = m.toWire();
        final UnsafeBuffer b = direct(wire);
        assertEquals(QueryView.OK, q.wrap(b, 0, wire.length));
        assertCommon(m, b, 0, wire.length);
        assertFalse(q.hasEdns());
        assertFalse(q.dnssecOk());
        assertEquals(0, q.ednsUdpSize());
        assertEquals(wire.length, q.questionEnd());
        assertTrue(q.rd());
        assertTrue(q.cd());
    }

    @Test
    void ednsQueryWithDoAndOptionsMatchesDnsjava() throws Exception {
        final EDNSOption cookie = new CookieOption(new byte[]{1, 2, 3, 4, 5, 6, 7, 8});
        final EDNSOption nsid = new GenericEDNSOption(3, new byte[0]);
        final EDNSOption ecs = new ClientSubnetOption(24, InetAddress.getByName("192.0.2.0"));
        final EDNSOption pad = new GenericEDNSOption(12, new byte[17]);
        final Message m = query("www.example.org", Type.A, 1232, true, cookie, nsid, ecs, pad);
        final byte[] wire = m.toWire();
        final int off = 37;
        final UnsafeBuffer b = direct(wire, off, 4096);
        // trailing garbage after the last record is ignored, as by miekg/dns
        assertEquals(QueryView.OK, q.wrap(b, off, wire.length + 5));
        assertCommon(m, b, off, wire.length);
        final OPTRecord opt = m.getOPT();
        assertTrue(q.hasEdns());
        assertTrue(q.dnssecOk());
        assertEquals(opt.getPayloadSize(), q.ednsUdpSize());
        assertEquals(0, q.ednsVersion());
        assertEquals(opt.getFlags(), q.ednsFlags());
        int optionBytes = 0;
        for (final EDNSOption o : opt.getOptions()) {
            optionBytes += o.toWire().length;
        }
        assertEquals(optionBytes, q.ednsOptionsLength());
        assertArrayEquals(cookie.toWire(), WireTestSupport.bytes(b, q.ednsOptionsOffset(), cookie.toWire().length));
        assertEquals(off + wire.length - q.optRecordLength(), q.optRecordOffset());
        assertEquals(11 + optionBytes, q.optRecordLength());
        assertEquals(q.ednsOptionsOffset(), q.ednsOption(Edns.OPTION_COOKIE));
        assertEquals(-1, q.ednsOption(Edns.OPTION_EDE));
        assertTrue(q.ednsOption(Edns.OPTION_PADDING) > q.ednsOption(Edns.OPTION_CLIENT_SUBNET));
        assertTrue(q.toString().contains("www.example.org."));
    }

    @Test
    void ednsWithoutDo() {
        final byte[] wire = query("a.b", Type.TXT, 4096, false).toWire();
        assertEquals(QueryView.OK, q.wrap(direct(wire), 0, wire.length));
        assertTrue(q.hasEdns());
        assertFalse(q.dnssecOk());
        assertEquals(4096, q.ednsUdpSize());
        assertEquals(0, q.ednsOptionsLength());
    }

    @Test
    void notifyWithSoaInAnswerAndCompressedAdditionalOwner() {
        final Message m = query("example.org", Type.SOA);
        m.getHeader().setOpcode(Opcode.NOTIFY);
        m.addRecord(new SOARecord(name("example.org"), DClass.IN, 60, name("ns1.example.org"),
                name("admin.example.org"), 1, 2, 3, 4, 5), Section.ANSWER);
        m.addRecord(WireTestSupport.a(name("ns1.example.org"), 60, 1), Section.ADDITIONAL);
        m.addRecord(new OPTRecord(512, 0, 0), Section.ADDITIONAL);
        final byte[] wire = m.toWire();
        assertEquals(QueryView.OK, q.wrap(direct(wire), 0, wire.length));
        assertEquals(DnsHeader.OPCODE_NOTIFY, q.opcode());
        assertTrue(q.hasEdns());
        assertEquals(512, q.ednsUdpSize());
    }

    @Test
    void shortMessagesAreDropped() {
        final byte[] wire = query("x", Type.A).toWire();
        for (int len = 0; len < 12; len++) {
            assertEquals(QueryView.ERR_SHORT, q.wrap(direct(wire), 0, len));
            assertFalse(q.questionParsed());
        }
    }

    @Test
    void responsesAreIgnored() {
        final Message m = query("x", Type.A);
        m.getHeader().setFlag(Flags.QR);
        final byte[] wire = m.toWire();
        assertEquals(QueryView.ERR_RESPONSE, q.wrap(direct(wire), 0, wire.length));
    }

    @Test
    void unknownOpcodesAreNotImplemented() {
        for (final int opcode : new int[]{1, 2, 3, 5, 6, 15}) {
            final Message m = query("x", Type.A);
            m.getHeader().setOpcode(opcode);
            final byte[] wire = m.toWire();
            assertEquals(QueryView.ERR_NOTIMP, q.wrap(direct(wire), 0, wire.length), "opcode " + opcode);
            assertFalse(q.questionParsed());
            assertEquals(opcode, q.opcode());
        }
    }

    @Test
    void badCountsAreFormerrWithoutQuestion() {
        final byte[] wire = query("x.example", Type.A, 1232, false).toWire(); // qd=1 an=0 ns=0 ar=1
        assertFormerrCount(wire, DnsHeader.QDCOUNT_OFFSET, 0);
        assertFormerrCount(wire, DnsHeader.QDCOUNT_OFFSET, 2);
        assertFormerrCount(wire, DnsHeader.ANCOUNT_OFFSET, 2);
        assertFormerrCount(wire, DnsHeader.NSCOUNT_OFFSET, 2);
        assertFormerrCount(wire, DnsHeader.ARCOUNT_OFFSET, 3);
    }

    @Test
    void truncatedQuestionIsFormerr() {
        final byte[] wire = query("www.example.org", Type.A).toWire();
        for (int len = 12; len < wire.length; len++) {
            assertEquals(QueryView.ERR_FORMERR, q.wrap(direct(wire), 0, len), "length " + len);
            assertFalse(q.questionParsed());
        }
        assertEquals(QueryView.OK, q.wrap(direct(wire), 0, wire.length));
    }

    @Test
    void badQuestionNamesAreFormerr() {
        final byte[] wire = query("www.example.org", Type.A).toWire();
        final byte[] longLabel = wire.clone();
        longLabel[12] = 64; // label type 0x40 at "www": a label over 63 cannot be expressed
        assertFormerr(longLabel, false);

        final byte[] pointer = Arrays.copyOf(wire, 18);
        pointer[12] = (byte) 0xC0; // QNAME is a pointer to the header
        pointer[13] = 2;
        assertFormerr(pointer, false);

        final StringBuilder big = new StringBuilder();
        for (int i = 0; i < 4; i++) {
            big.append("x".repeat(63)).append('.');
        }
        final UnsafeBuffer b = new UnsafeBuffer(new byte[400]);
        b.putBytes(0, wire, 0, 12);
        int pos = 12;
        for (int i = 0; i < 4; i++) {
            b.putByte(pos++, (byte) 63);
            b.setMemory(pos, 63, (byte) 'x');
            pos += 63;
        }
        b.putByte(pos++, (byte) 0);
        b.putInt(pos, 0x00010001);
        pos += 4;
        assertEquals(QueryView.ERR_FORMERR, q.wrap(b, 0, pos)); // 257-byte name
        assertFalse(q.questionParsed());
    }

    @Test
    void pointerLoopInAdditionalIsFormerrWithQuestion() {
        final byte[] wire = query("www.example.org", Type.A).toWire();
        final byte[] bad = Arrays.copyOf(wire, wire.length + 12);
        bad[11] = 1; // ARCOUNT
        bad[wire.length] = (byte) 0xC0; // owner points at itself
        bad[wire.length + 1] = (byte) wire.length;
        bad[wire.length + 3] = 1;
        bad[wire.length + 5] = 1;
        assertFormerr(bad, true);
        assertEquals(Type.A, q.qtype());
    }

    @Test
    void badOptRecordsAreFormerr() {
        final Message m = query("x.example", Type.A, 1232, false);
        m.addRecord(new OPTRecord(512, 0, 0), Section.ADDITIONAL);
        assertFormerr(m.toWire(), true); // two OPTs

        final Message inAnswer = query("x.example", Type.A);
        inAnswer.addRecord(new OPTRecord(512, 0, 0), Section.ANSWER);
        assertFormerr(inAnswer.toWire(), true);

        final byte[] wire = query("x.example", Type.A, 1232, false).toWire();
        final byte[] named = new byte[wire.length + 2];
        System.arraycopy(wire, 0, named, 0, wire.length - 11);
        named[wire.length - 11] = 1; // owner "a." instead of "."
        named[wire.length - 10] = 'a';
        named[wire.length - 9] = 0;
        System.arraycopy(wire, wire.length - 10, named, wire.length - 8, 10);
        assertFormerr(named, true);

        final byte[] badOption = query("x.example", Type.A, 1232, false, new GenericEDNSOption(65001, new byte[4]))
                .toWire();
        badOption[badOption.length - 5] = 5; // option length 5 > the 4 bytes present
        assertFormerr(badOption, true);

        final byte[] cut = query("x.example", Type.A, 1232, false).toWire();
        assertEquals(QueryView.ERR_FORMERR, q.wrap(direct(cut), 0, cut.length - 1));
        assertTrue(q.questionParsed());
    }

    @Test
    void ednsVersionOtherThanZeroIsBadvers() {
        final Message m = query("www.example.org", Type.A);
        m.addRecord(new OPTRecord(1232, 0, 1, 0x8000), Section.ADDITIONAL);
        final byte[] wire = m.toWire();
        assertEquals(QueryView.ERR_BADVERS, q.wrap(direct(wire), 0, wire.length));
        assertTrue(q.questionParsed());
        assertTrue(q.hasEdns());
        assertEquals(1, q.ednsVersion());
        assertEquals(1232, q.ednsUdpSize());
        assertEquals(QueryView.ERR_BADVERS, q.result());
    }

    @Test
    void viewIsReusableAndResetsState() {
        final byte[] edns = query("a.example", Type.A, 1400, true).toWire();
        final byte[] plain = query("b.example", Type.MX).toWire();
        assertEquals(QueryView.OK, q.wrap(direct(edns), 0, edns.length));
        assertTrue(q.hasEdns());
        assertEquals(QueryView.OK, q.wrap(direct(plain), 0, plain.length));
        assertFalse(q.hasEdns());
        assertFalse(q.dnssecOk());
        assertEquals(Type.MX, q.qtype());
    }

    private void assertCommon(final Message m, final UnsafeBuffer b, final int off, final int len) {
        assertEquals(m.getHeader().getID(), q.id());
        assertEquals(DnsHeader.flags(b, off), q.flags());
        assertEquals(m.getHeader().getOpcode(), q.opcode());
        assertTrue(q.questionParsed());
        assertEquals(off + 12, q.qnameOffset());
        assertEquals(m.getQuestion().getName().toString(), Names.toString(b, q.qnameOffset(), q.qnameLength()));
        assertEquals(m.getQuestion().getName().length(), q.qnameLength());
        assertEquals(m.getQuestion().getType(), q.qtype());
        assertEquals(m.getQuestion().getDClass(), q.qclass());
        assertEquals(off + 12 + q.qnameLength() + 4, q.questionEnd());
        final UnsafeBuffer lower = new UnsafeBuffer(m.getQuestion().getName().toWireCanonical());
        assertEquals(Names.hashLowerCase(lower, 0, lower.capacity()), q.qnameHash());
        assertEquals(off, q.offset());
        assertTrue(q.length() >= len);
    }

    private void assertFormerrCount(final byte[] wire, final int countOffset, final int value) {
        final byte[] bad = wire.clone();
        bad[countOffset] = (byte) (value >>> 8);
        bad[countOffset + 1] = (byte) value;
        assertEquals(QueryView.ERR_FORMERR, q.wrap(direct(bad), 0, bad.length), "count@" + countOffset + "=" + value);
        assertFalse(q.questionParsed());
    }

    private void assertFormerr(final byte[] wire, final boolean questionParsed) {
        assertEquals(QueryView.ERR_FORMERR, q.wrap(direct(wire), 0, wire.length));
        assertEquals(questionParsed, q.questionParsed());
    }
}
