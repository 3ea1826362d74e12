package io.nodedns.wire;

import static io.nodedns.wire.WireTestSupport.direct;
import static io.nodedns.wire.WireTestSupport.query;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetAddress;
import java.util.Arrays;
import java.util.List;

import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;
import org.xbill.DNS.ClientSubnetOption;
import org.xbill.DNS.CookieOption;
import org.xbill.DNS.EDNSOption;
import org.xbill.DNS.Flags;
import org.xbill.DNS.GenericEDNSOption;
import org.xbill.DNS.Header;
import org.xbill.DNS.Message;
import org.xbill.DNS.OPTRecord;
import org.xbill.DNS.Opcode;
import org.xbill.DNS.Rcode;
import org.xbill.DNS.Section;
import org.xbill.DNS.Type;

class ReplyWriterTest {
    private final QueryView q = new QueryView();
    private final UnsafeBuffer dst = new UnsafeBuffer(new byte[4096]);

    @Test
    void formerrForBadCountsIsHeaderOnlyWithFlagsEchoed() {
        final Message m = query("www.example.org", Type.A);
        final Header h = m.getHeader();
        h.setFlag(Flags.CD);
        h.setFlag(Flags.AD);
        h.setFlag(Flags.AA);
        h.setFlag(Flags.RA);
        final byte[] wire = m.toWire();
        wire[3] |= 0x40; // Z
        wire[5] = 2; // QDCOUNT 2
        final UnsafeBuffer req = direct(wire);
        assertEquals(QueryView.ERR_FORMERR, q.wrap(req, 0, wire.length));
        final int len = ReplyWriter.writeHeaderError(q, req, dst, 5, 4000, DnsHeader.RCODE_FORMERR);
        assertEquals(12, len);
        final Message r = WireTestSupport.parse(dst, 5, len);
        assertEquals(0x1234, r.getHeader().getID());
        assertEquals(Rcode.FORMERR, r.getRcode());
        assertEquals(Opcode.QUERY, r.getHeader().getOpcode());
        assertTrue(r.getHeader().getFlag(Flags.QR));
        assertFalse(r.getHeader().getFlag(Flags.AA));
        assertFalse(r.getHeader().getFlag(9));
        assertTrue(r.getHeader().getFlag(Flags.RD));
        assertTrue(r.getHeader().getFlag(Flags.RA));
        assertTrue(r.getHeader().getFlag(Flags.AD));
        assertTrue(r.getHeader().getFlag(Flags.CD));
        assertNull(r.getQuestion());
        assertNull(r.getOPT());
        for (int s = 0; s < 4; s++) {
            assertEquals(0, r.getHeader().getCount(s));
        }
    }

    @Test
    void formerrAfterTheQuestionCarriesTheQuestionButNoOpt() {
        final byte[] wire = query("www.example.org", Type.AAAA, 1232, true).toWire();
        final byte[] cut = Arrays.copyOf(wire, wire.length - 3); // OPT record truncated
        final UnsafeBuffer req = direct(cut);
        assertEquals(QueryView.ERR_FORMERR, q.wrap(req, 0, cut.length));
        assertTrue(q.questionParsed());
        final int len = ReplyWriter.writeHeaderError(q, req, dst, 0, 4000, DnsHeader.RCODE_FORMERR);
        final Message r = WireTestSupport.parse(dst, 0, len);
        assertEquals(Rcode.FORMERR, r.getRcode());
        assertEquals("www.example.org.", r.getQuestion().getName().toString());
        assertEquals(Type.AAAA, r.getQuestion().getType());
        assertNull(r.getOPT());
        assertEquals(0, r.getHeader().getCount(Section.ADDITIONAL));
    }

    @Test
    void notimpPreservesOpcode() {
        final Message m = query("example.org", Type.SOA);
        m.getHeader().setOpcode(Opcode.UPDATE);
        final byte[] wire = m.toWire();
        final UnsafeBuffer req = direct(wire);
        assertEquals(QueryView.ERR_NOTIMP, q.wrap(req, 0, wire.length));
        final int len = ReplyWriter.writeHeaderError(q, req, dst, 0, 4000, DnsHeader.RCODE_NOTIMP);
        assertEquals(12, len);
        final Message r = WireTestSupport.parse(dst, 0, len);
        assertEquals(Rcode.NOTIMP, r.getRcode());
        assertEquals(Opcode.UPDATE, r.getHeader().getOpcode());
        assertTrue(r.getHeader().getFlag(Flags.QR));
        assertTrue(r.getHeader().getFlag(Flags.RD));
    }

    @Test
    void headerErrorNeedsAHeaderAndRoom() {
        final byte[] wire = query("www.example.org", Type.A).toWire();
        final UnsafeBuffer req = direct(wire);
        assertEquals(QueryView.ERR_SHORT, q.wrap(req, 0, 11));
        assertEquals(ReplyWriter.ERR_NO_HEADER, ReplyWriter.writeHeaderError(q, req, dst, 0, 4000, 1));
        assertEquals(ReplyWriter.ERR_NO_HEADER, ReplyWriter.writeRcode(q, req, dst, 0, 4000, 2));
        assertEquals(ReplyWriter.ERR_NO_HEADER, ReplyWriter.writeBadVers(q, req, dst, 0, 4000));
        assertEquals(QueryView.OK, q.wrap(req, 0, wire.length));
        assertEquals(ReplyWriter.ERR_CAPACITY, ReplyWriter.writeHeaderError(q, req, dst, 0, wire.length - 1, 1));
        assertEquals(wire.length, ReplyWriter.writeHeaderError(q, req, dst, 0, wire.length, 1));
        assertEquals(ReplyWriter.ERR_CAPACITY, ReplyWriter.writeRcode(q, req, dst, 0, wire.length - 1, 2));
        assertEquals(ReplyWriter.ERR_CAPACITY, ReplyWriter.writeRcode(q, req, dst, 4090, 4000, 2));
        assertEquals(ReplyWriter.ERR_NO_OPT, ReplyWriter.writeRcode(q, req, dst, 0, 4000, 23));
    }

    @Test
    void servfailWithoutEdns() {
        final Message m = query("Www.Example.org", Type.MX);
        m.getHeader().setFlag(Flags.CD);
        m.getHeader().setFlag(Flags.AD);
        m.getHeader().setFlag(Flags.AA);
        final byte[] wire = m.toWire();
        final UnsafeBuffer req = direct(wire);
        assertEquals(QueryView.OK, q.wrap(req, 0, wire.length));
        final int len = ReplyWriter.writeRcode(q, req, dst, 0, 4000, DnsHeader.RCODE_SERVFAIL);
        assertEquals(wire.length, len);
        final Message r = WireTestSupport.parse(dst, 0, len);
        final Header h = r.getHeader();
        assertEquals(0x1234, h.getID());
        assertEquals(Rcode.SERVFAIL, r.getRcode());
        assertTrue(h.getFlag(Flags.QR));
        assertTrue(h.getFlag(Flags.RD));
        assertTrue(h.getFlag(Flags.CD));
        assertFalse(h.getFlag(Flags.AD));
        assertFalse(h.getFlag(Flags.AA));
        assertFalse(h.getFlag(Flags.RA));
        assertFalse(h.getFlag(Flags.TC));
        assertEquals("Www.Example.org.", r.getQuestion().getName().toString()); // case kept
        assertEquals(Type.MX, r.getQuestion().getType());
        assertNull(r.getOPT());
        assertEquals(0, h.getCount(Section.ANSWER) + h.getCount(Section.AUTHORITY) + h.getCount(Section.ADDITIONAL));
    }

    @Test
    void refusedWithEdnsEchoesSizeDoAndOnlySupportedOptions() throws Exception {
        final EDNSOption cookie = new CookieOption(new byte[]{9, 8, 7, 6, 5, 4, 3, 2});
        final EDNSOption ecs = new ClientSubnetOption(24, InetAddress.getByName("192.0.2.0"));
        final EDNSOption nsid = new GenericEDNSOption(Edns.OPTION_NSID, new byte[0]);
        final EDNSOption expire = new GenericEDNSOption(Edns.OPTION_EXPIRE, new byte[0]);
        final EDNSOption keepalive = new GenericEDNSOption(Edns.OPTION_TCP_KEEPALIVE, new byte[0]);
        final EDNSOption pad = new GenericEDNSOption(Edns.OPTION_PADDING, new byte[12]);
        final EDNSOption unknown = new GenericEDNSOption(65001, new byte[]{1});
        final Message m = query("example.org", Type.A, 1400, true, ecs, cookie, unknown, nsid, expire, keepalive, pad);
        final byte[] wire = m.toWire();
        final UnsafeBuffer req = direct(wire, 3, 4096);
        assertEquals(QueryView.OK, q.wrap(req, 3, wire.length));
        final int len = ReplyWriter.writeRcode(q, req, dst, 0, 4000, DnsHeader.RCODE_REFUSED);
        final Message r = WireTestSupport.parse(dst, 0, len);
        assertEquals(Rcode.REFUSED, r.getRcode());
        final OPTRecord opt = r.getOPT();
        assertNotNull(opt);
        assertEquals(1400, opt.getPayloadSize());
        assertEquals(0, opt.getVersion());
        assertEquals(0, opt.getExtendedRcode());
        assertEquals(0x8000, opt.getFlags());
        assertEquals(List.of(cookie, nsid, expire, keepalive, pad), opt.getOptions());
        assertEquals(1, r.getHeader().getCount(Section.ADDITIONAL));
        assertEquals("example.org.", r.getQuestion().getName().toString());
    }

    @Test
    void notifyRepliesDoNotCopyRdOrCd() {
        final Message m = query("example.org", Type.SOA);
        m.getHeader().setOpcode(Opcode.NOTIFY);
        m.getHeader().setFlag(Flags.CD);
        final byte[] wire = m.toWire();
        final UnsafeBuffer req = direct(wire);
        assertEquals(QueryView.OK, q.wrap(req, 0, wire.length));
        final Message r = WireTestSupport.parse(dst, 0, ReplyWriter.writeRcode(q, req, dst, 0, 4000, 2));
        assertEquals(Opcode.NOTIFY, r.getHeader().getOpcode());
        assertFalse(r.getHeader().getFlag(Flags.RD));
        assertFalse(r.getHeader().getFlag(Flags.CD));
    }

    @Test
    void extendedRcodeGoesIntoTheOpt() {
        final byte[] wire = query("example.org", Type.A, 1232, false).toWire();
        final UnsafeBuffer req = direct(wire);
        assertEquals(QueryView.OK, q.wrap(req, 0, wire.length));
        final Message r = WireTestSupport.parse(dst, 0, ReplyWriter.writeRcode(q, req, dst, 0, 4000, Rcode.BADCOOKIE));
        assertEquals(Rcode.BADCOOKIE, r.getRcode());
        assertEquals(Rcode.BADCOOKIE & 0xF, r.getHeader().getRcode());
    }

    @Test
    void badversReplyHasVersionZeroOptAndTheQuestion() {
        final Message m = query("www.example.org", Type.A);
        m.getHeader().setFlag(Flags.CD);
        m.addRecord(new OPTRecord(1232, 0, 1, 0x8000, List.of(new CookieOption(new byte[8]))), Section.ADDITIONAL);
        final byte[] wire = m.toWire();
        final UnsafeBuffer req = direct(wire);
        assertEquals(QueryView.ERR_BADVERS, q.wrap(req, 0, wire.length));
        final int len = ReplyWriter.writeBadVers(q, req, dst, 100, 4000);
        assertEquals(12 + q.qnameLength() + 4 + 11, len);
        final Message r = WireTestSupport.parse(dst, 100, len);
        assertEquals(0, r.getHeader().getRcode());
        assertEquals(Rcode.BADVERS, r.getRcode());
        final OPTRecord opt = r.getOPT();
        assertEquals(0, opt.getVersion());
        assertEquals(1, opt.getExtendedRcode());
        assertEquals(0, opt.getPayloadSize());
        assertEquals(0, opt.getFlags());
        assertTrue(opt.getOptions().isEmpty());
        assertEquals("www.example.org.", r.getQuestion().getName().toString());
        assertTrue(r.getHeader().getFlag(Flags.QR));
        assertTrue(r.getHeader().getFlag(Flags.RD));
        assertTrue(r.getHeader().getFlag(Flags.CD));
        assertEquals(ReplyWriter.ERR_CAPACITY, ReplyWriter.writeBadVers(q, req, dst, 0, len - 1));
        assertArrayEquals(WireTestSupport.bytes(dst, 100, len),
                WireTestSupport.bytes(dst, 0, ReplyWriter.writeBadVers(q, req, dst, 0, len)));
    }
}
