package io.nodedns.wire;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.SplittableRandom;

import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;
import org.xbill.DNS.Flags;
import org.xbill.DNS.Header;
import org.xbill.DNS.Message;
import org.xbill.DNS.Section;

class DnsHeaderTest {
    private static final int[] DNSJAVA_BITS = {Flags.QR, Flags.AA, Flags.TC, Flags.RD, Flags.RA, 9, Flags.AD, Flags.CD};
    private static final int[] MASKS = {
            DnsHeader.QR, DnsHeader.AA, DnsHeader.TC, DnsHeader.RD, DnsHeader.RA, DnsHeader.Z, DnsHeader.AD,
            DnsHeader.CD};

    @Test
    void gettersMatchDnsjavaOnRandomHeaders() throws Exception {
        final SplittableRandom rnd = new SplittableRandom(42);
        final UnsafeBuffer b = new UnsafeBuffer(new byte[64]);
        for (int n = 0; n < 2000; n++) {
            final int off = rnd.nextInt(20);
            final byte[] raw = new byte[12];
            for (int i = 0; i < 12; i++) {
                raw[i] = (byte) rnd.nextInt(256);
            }
            b.putBytes(off, raw);
            final Header h = new Header(raw);
            assertEquals(h.getID(), DnsHeader.id(b, off));
            assertEquals(h.getOpcode(), DnsHeader.opcode(b, off));
            assertEquals(h.getRcode(), DnsHeader.rcode(b, off));
            assertEquals(h.getFlag(Flags.QR), DnsHeader.flag(b, off, DnsHeader.QR));
            assertEquals(h.getFlag(Flags.AA), DnsHeader.flag(b, off, DnsHeader.AA));
            assertEquals(h.getFlag(Flags.TC), DnsHeader.flag(b, off, DnsHeader.TC));
            assertEquals(h.getFlag(Flags.RD), DnsHeader.flag(b, off, DnsHeader.RD));
            assertEquals(h.getFlag(Flags.RA), DnsHeader.flag(b, off, DnsHeader.RA));
            assertEquals(h.getFlag(9), DnsHeader.flag(b, off, DnsHeader.Z));
            assertEquals(h.getFlag(Flags.AD), DnsHeader.flag(b, off, DnsHeader.AD));
            assertEquals(h.getFlag(Flags.CD), DnsHeader.flag(b, off, DnsHeader.CD));
            assertEquals(h.getCount(Section.QUESTION), DnsHeader.qdcount(b, off));
            assertEquals(h.getCount(Section.ANSWER), DnsHeader.ancount(b, off));
            assertEquals(h.getCount(Section.AUTHORITY), DnsHeader.nscount(b, off));
            assertEquals(h.getCount(Section.ADDITIONAL), DnsHeader.arcount(b, off));
            for (int s = 0; s < 4; s++) {
                assertEquals(h.getCount(s), DnsHeader.count(b, off, s));
            }
            assertEquals(((raw[2] & 0xFF) << 8) | (raw[3] & 0xFF), DnsHeader.flags(b, off));
        }
    }

    @Test
    void settersProduceWhatDnsjavaWrites() {
        final SplittableRandom rnd = new SplittableRandom(7);
        final UnsafeBuffer b = new UnsafeBuffer(new byte[32]);
        for (int n = 0; n < 2000; n++) {
            final Header h = new Header(rnd.nextInt(65536));
            final int opcode = rnd.nextInt(16);
            final int rcode = rnd.nextInt(16);
            h.setOpcode(opcode);
            h.setRcode(rcode);
            b.setMemory(0, 32, (byte) 0);
            final int off = rnd.nextInt(8);
            DnsHeader.id(b, off, h.getID());
            DnsHeader.opcode(b, off, opcode);
            DnsHeader.rcode(b, off, rcode | 0x30); // upper bits must be ignored
            for (int i = 0; i < MASKS.length; i++) {
                final boolean on = rnd.nextBoolean();
                if (on) {
                    h.setFlag(DNSJAVA_BITS[i]);
                }
                DnsHeader.flag(b, off, MASKS[i], on);
            }
            assertArrayEquals(h.toWire(), WireTestSupport.bytes(b, off, 12), "iteration " + n);
            // and back off: clearing every flag leaves only opcode and rcode
            for (final int mask : MASKS) {
                DnsHeader.flag(b, off, mask, false);
            }
            assertEquals((opcode << 11) | rcode, DnsHeader.flags(b, off));
        }
    }

    @Test
    void countSettersAreSeenByDnsjava() throws Exception {
        final UnsafeBuffer b = new UnsafeBuffer(new byte[12]);
        DnsHeader.flags(b, 0, DnsHeader.QR | DnsHeader.TC); // TC: dnsjava tolerates the missing records
        DnsHeader.qdcount(b, 0, 1);
        DnsHeader.ancount(b, 0, 513);
        DnsHeader.nscount(b, 0, 65535);
        DnsHeader.arcount(b, 0, 2);
        final Header h = new Header(WireTestSupport.bytes(b, 0, 12));
        assertEquals(1, h.getCount(Section.QUESTION));
        assertEquals(513, h.getCount(Section.ANSWER));
        assertEquals(65535, h.getCount(Section.AUTHORITY));
        assertEquals(2, h.getCount(Section.ADDITIONAL));
        DnsHeader.count(b, 0, Section.ANSWER, 3);
        assertEquals(3, DnsHeader.ancount(b, 0));
        assertEquals(1, DnsHeader.qdcount(b, 0));
    }

    @Test
    void constantsMatchRfcValues() {
        assertEquals(0x8000, DnsHeader.QR);
        assertEquals(0, DnsHeader.OPCODE_QUERY);
        assertEquals(4, DnsHeader.OPCODE_NOTIFY);
        assertEquals(org.xbill.DNS.Rcode.FORMERR, DnsHeader.RCODE_FORMERR);
        assertEquals(org.xbill.DNS.Rcode.SERVFAIL, DnsHeader.RCODE_SERVFAIL);
        assertEquals(org.xbill.DNS.Rcode.NXDOMAIN, DnsHeader.RCODE_NXDOMAIN);
        assertEquals(org.xbill.DNS.Rcode.NOTIMP, DnsHeader.RCODE_NOTIMP);
        assertEquals(org.xbill.DNS.Rcode.REFUSED, DnsHeader.RCODE_REFUSED);
        assertEquals(org.xbill.DNS.Rcode.BADVERS, DnsHeader.RCODE_BADVERS);
        final Message m = new Message(1);
        m.getHeader().setFlag(Flags.CD);
        final UnsafeBuffer b = new UnsafeBuffer(m.toWire());
        assertEquals(true, DnsHeader.flag(b, 0, DnsHeader.CD));
        assertEquals(DnsHeader.CD, DnsHeader.flags(b, 0));
    }
}
