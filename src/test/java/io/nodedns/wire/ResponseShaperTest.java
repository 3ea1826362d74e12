package io.nodedns.wire;

import static io.nodedns.wire.WireTestSupport.a;
import static io.nodedns.wire.WireTestSupport.aResponse;
import static io.nodedns.wire.WireTestSupport.direct;
import static io.nodedns.wire.WireTestSupport.name;
import static io.nodedns.wire.WireTestSupport.query;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetAddress;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;

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
import org.xbill.DNS.Rcode;
import org.xbill.DNS.Record;
import org.xbill.DNS.Section;
import org.xbill.DNS.TSIGRecord;
import org.xbill.DNS.Type;

class ResponseShaperTest {
    private final QueryView q = new QueryView();
    private UnsafeBuffer req;

    private Message request(final Message m) {
        final byte[] wire = m.toWire();
        req = direct(wire, 9, 4096);
        assertTrue(q.wrap(req, 9, wire.length) == QueryView.OK);
        return m;
    }

    private static Message reply(final Message query, final int answers, final OPTRecord opt) {
        final Message r = aResponse(query, answers);
        if (opt != null) {
            r.addRecord(opt, Section.ADDITIONAL);
        }
        return r;
    }

    /** Runs shape on the reply placed at offset 5; returns the shaped message bytes. */
    private byte[] shape(final byte[] reply, final int maxSize) {
        final UnsafeBuffer b = direct(reply, 5, 70_000);
        final int len = ResponseShaper.shape(q, req, b, 5, reply.length, 70_000 - 5, maxSize);
        assertTrue(len > 0, "shape returned " + len);
        return WireTestSupport.bytes(b, 5, len);
    }

    @Test
    void effectiveUdpSize() {
        request(query("x.example", Type.A));
        assertEquals(512, ResponseShaper.effectiveUdpSize(q));
        request(query("x.example", Type.A, 100, false));
        assertEquals(512, ResponseShaper.effectiveUdpSize(q));
        request(query("x.example", Type.A, 4096, false));
        assertEquals(4096, ResponseShaper.effectiveUdpSize(q));
        request(query("x.example", Type.A, 65535, false));
        assertEquals(65535, ResponseShaper.effectiveUdpSize(q));
    }

    @Test
    void requestWithoutOptLeavesTheReplysOptAlone() {
        final Message query = request(query("www.example.org", Type.A));
        final byte[] wire = reply(query, 3, new OPTRecord(4096, 1, 1, 0x8000)).toWire();
        assertArrayEquals(wire, shape(wire, 512));
        final byte[] plain = reply(query, 3, null).toWire();
        assertArrayEquals(plain, shape(plain, 512));
    }

    @Test
    void replyOptIsEchoedWithClientSizeAndDo() {
        final Message query = request(query("www.example.org", Type.A, 1232, true));
        final EDNSOption nsid = new GenericEDNSOption(Edns.OPTION_NSID, "ns7".getBytes());
        final byte[] wire = reply(query, 2, new OPTRecord(4096, 0, 0, 0, List.of(nsid))).toWire();
        final Message r = WireTestSupport.parse(shape(wire, ResponseShaper.effectiveUdpSize(q)));
        final OPTRecord opt = r.getOPT();
        assertEquals(1232, opt.getPayloadSize());
        assertEquals(0x8000, opt.getFlags());
        assertEquals(0, opt.getVersion());
        assertEquals(List.of(nsid), opt.getOptions()); // the upstream's options stay
        assertEquals(2, r.getSection(Section.ANSWER).size());
        assertEquals(1, r.getHeader().getCount(Section.ADDITIONAL));
    }

    @Test
    void replyDoIsKeptAndVersionClearedButExtendedRcodeSurvives() {
        final Message query = request(query("www.example.org", Type.A, 1400, false));
        final Message upstream = reply(query, 1, new OPTRecord(4096, Rcode.BADCOOKIE >>> 4, 1, 0x8000 | 0x00FF));
        upstream.getHeader().setRcode(Rcode.BADCOOKIE & 0xF);
        final Message r = WireTestSupport.parse(shape(upstream.toWire(), 1400));
        final OPTRecord opt = r.getOPT();
        assertEquals(1400, opt.getPayloadSize());
        assertEquals(0, opt.getVersion());
        assertEquals(0x8000, opt.getFlags()); // DO kept, low flag byte cleared
        assertEquals(Rcode.BADCOOKIE, r.getRcode());
    }

    @Test
    void missingReplyOptIsCopiedFromTheRequestWithFilteredOptions() throws Exception {
        final EDNSOption cookie = new CookieOption(new byte[]{1, 2, 3, 4, 5, 6, 7, 8});
        final EDNSOption ecs = new ClientSubnetOption(24, InetAddress.getByName("192.0.2.0"));
        final EDNSOption pad = new GenericEDNSOption(Edns.OPTION_PADDING, new byte[5]);
        final Message query = request(query("www.example.org", Type.A, 1232, true, ecs, cookie, pad));
        final Message upstream = reply(query, 2, null);
        upstream.addRecord(a(name("glue.example.org"), 5, 9), Section.ADDITIONAL);
        final byte[] wire = upstream.toWire();
        final byte[] shaped = shape(wire, 1232);
        // everything after the header is untouched; the OPT goes after it
        assertArrayEquals(Arrays.copyOfRange(wire, 12, wire.length), Arrays.copyOfRange(shaped, 12, wire.length));
        final Message r = WireTestSupport.parse(shaped);
        final OPTRecord opt = r.getOPT();
        assertNotNull(opt);
        assertEquals(1232, opt.getPayloadSize());
        assertEquals(0x8000, opt.getFlags());
        assertEquals(0, opt.getVersion());
        assertEquals(List.of(cookie, pad), opt.getOptions());
        assertEquals(2, r.getHeader().getCount(Section.ADDITIONAL));
        assertEquals(Type.OPT, r.getSection(Section.ADDITIONAL).get(1).getType());
    }

    @Test
    void sixtyARecordsTruncateTo512ForAClientWithoutEdns() {
        final Message query = request(query("www.example.org", Type.A));
        final Message upstream = reply(query, 60, null);
        final byte[] wire = upstream.toWire();
        assertTrue(wire.length > 512);
        final byte[] shaped = shape(wire, ResponseShaper.effectiveUdpSize(q));
        assertTrue(shaped.length < 512, "length " + shaped.length);
        final Message r = WireTestSupport.parse(shaped);
        assertTrue(r.getHeader().getFlag(Flags.TC));
        final int kept = (512 - 12 - 21) / 16; // 16 bytes per A record with a compressed owner
        assertEquals(kept, r.getHeader().getCount(Section.ANSWER));
        assertEquals(kept, r.getSection(Section.ANSWER).size());
        assertEquals(upstream.getSection(Section.ANSWER).subList(0, kept), r.getSection(Section.ANSWER));
        assertEquals(0, r.getHeader().getCount(Section.ADDITIONAL));
        assertNull(r.getOPT());
        assertEquals(12 + 21 + kept * 16, shaped.length);
    }

    @Test
    void ednsClientAt1232KeepsTheOptLast() {
        final Message query = request(query("www.example.org", Type.A, 1232, true));
        final byte[] sixty = reply(query, 60, new OPTRecord(4096, 0, 0)).toWire(); // 1004 bytes: fits
        final Message fits = WireTestSupport.parse(shape(sixty, 1232));
        assertFalse(fits.getHeader().getFlag(Flags.TC));
        assertEquals(60, fits.getSection(Section.ANSWER).size());
        assertEquals(1232, fits.getOPT().getPayloadSize());

        final Message upstream = reply(query, 100, null);
        upstream.addRecord(a(name("glue.example.org"), 5, 9), Section.ADDITIONAL);
        upstream.addRecord(new OPTRecord(4096, 0, 0), Section.ADDITIONAL);
        final byte[] shaped = shape(upstream.toWire(), 1232);
        assertTrue(shaped.length <= 1232);
        final Message r = WireTestSupport.parse(shaped);
        assertTrue(r.getHeader().getFlag(Flags.TC));
        final int kept = (1232 - 11 - 12 - 21) / 16;
        assertEquals(kept, r.getSection(Section.ANSWER).size());
        assertEquals(1, r.getHeader().getCount(Section.ADDITIONAL));
        final Record last = r.getSection(Section.ADDITIONAL).get(0);
        assertEquals(Type.OPT, last.getType());
        assertEquals(1232, r.getOPT().getPayloadSize());
        assertEquals(0x8000, r.getOPT().getFlags());
        assertEquals(12 + 21 + kept * 16 + 11, shaped.length);
    }

    @Test
    void requestOptIsReservedAndAppendedWhenTruncating() {
        final Message query = request(query("www.example.org", Type.A, 600, false,
                new CookieOption(new byte[8])));
        final byte[] shaped = shape(reply(query, 60, null).toWire(), 600);
        final Message r = WireTestSupport.parse(shaped);
        assertTrue(r.getHeader().getFlag(Flags.TC));
        final int optLen = 11 + 12;
        assertEquals((600 - optLen - 33) / 16, r.getSection(Section.ANSWER).size());
        assertEquals(Type.OPT, r.getSection(Section.ADDITIONAL).get(0).getType());
        assertTrue(shaped.length <= 600);
    }

    @Test
    void optFirstInAdditionalStaysInPlaceOrMovesDownToTheCut() {
        final Message query = request(query("www.example.org", Type.A, 1232, false));
        final Message upstream = reply(query, 40, null);
        upstream.addRecord(new OPTRecord(4096, 0, 0), Section.ADDITIONAL);
        for (int i = 0; i < 40; i++) {
            upstream.addRecord(a(name("g" + i + ".example.org"), 5, i), Section.ADDITIONAL);
        }
        // cut inside the additional section: the OPT stays where it was, followed by the glue that fits
        final Message r = WireTestSupport.parse(shape(upstream.toWire(), 1000));
        assertTrue(r.getHeader().getFlag(Flags.TC));
        assertEquals(40, r.getSection(Section.ANSWER).size());
        final List<Record> additional = r.getSection(Section.ADDITIONAL);
        assertEquals(Type.OPT, additional.get(0).getType());
        assertTrue(additional.size() > 2 && additional.size() < 41);
        assertEquals(upstream.getSection(Section.ADDITIONAL).subList(1, additional.size()),
                additional.subList(1, additional.size()));

        // cut inside the answer section: the OPT is brought down behind the kept answers
        final Message r2 = WireTestSupport.parse(shape(upstream.toWire(), 512));
        assertEquals((512 - 11 - 33) / 16, r2.getSection(Section.ANSWER).size());
        assertEquals(List.of(Type.OPT), r2.getSection(Section.ADDITIONAL).stream().map(Record::getType).toList());
        assertEquals(1232, r2.getOPT().getPayloadSize());
    }

    @Test
    void existingTcIsKeptAndSmallLimitsAreRaisedTo512() {
        final Message query = request(query("www.example.org", Type.A));
        final Message upstream = reply(query, 25, null);
        upstream.getHeader().setFlag(Flags.TC);
        final byte[] wire = upstream.toWire();
        assertTrue(wire.length < 512);
        assertArrayEquals(wire, shape(wire, 100));
    }

    @Test
    void repliesWithTsigAreNotTruncated() {
        final Message query = request(query("www.example.org", Type.A));
        final Message upstream = reply(query, 60, null);
        upstream.addRecord(new TSIGRecord(name("key.example"), DClass.ANY, 0, name("hmac-sha256"),
                Instant.ofEpochSecond(1_700_000_000L), Duration.ofSeconds(300), new byte[32], 0x1234, 0, null),
                Section.ADDITIONAL);
        final byte[] wire = upstream.toWire();
        assertArrayEquals(wire, shape(wire, 512));
    }

    @Test
    void recordsPointingForwardAreNotKeptAlone() {
        // answer 1's owner points forward into answer 2's owner: if answer 2 is dropped, so is answer 1
        final Message query = request(query("www.example.org", Type.A));
        final UnsafeBuffer b = new UnsafeBuffer(new byte[2048]);
        final byte[] head = aResponse(query, 0).toWire();
        b.putBytes(0, head);
        int pos = head.length;
        final int first = pos;
        b.putShort(pos, (short) 0, java.nio.ByteOrder.BIG_ENDIAN); // patched below
        pos += 2;
        pos = fixed(b, pos, 4);
        final int second = pos;
        b.putByte(pos++, (byte) 1);
        b.putByte(pos++, (byte) 'z');
        b.putByte(pos++, (byte) 0);
        pos = fixed(b, pos, 460);
        b.putShort(first, (short) (0xC000 | second), java.nio.ByteOrder.BIG_ENDIAN);
        DnsHeader.ancount(b, 0, 2);
        final int len = ResponseShaper.shape(q, req, b, 0, pos, 2048, 512);
        assertEquals(12 + 21, len);
        assertEquals(0, DnsHeader.ancount(b, 0));
        assertTrue(DnsHeader.flag(b, 0, DnsHeader.TC));
    }

    @Test
    void nonRootOptOwnerIsRewrittenWhenLast() {
        final Message query = request(query("www.example.org", Type.A, 1232, true));
        final byte[] wire = reply(query, 2, new OPTRecord(4096, 0, 0)).toWire();
        final byte[] bad = new byte[wire.length + 1];
        System.arraycopy(wire, 0, bad, 0, wire.length - 11);
        bad[wire.length - 11] = (byte) 0xC0; // owner: pointer to the qname
        bad[wire.length - 10] = 12;
        System.arraycopy(wire, wire.length - 10, bad, wire.length - 9, 10);
        final byte[] shaped = shape(bad, 1232);
        assertEquals(wire.length, shaped.length);
        final Message r = WireTestSupport.parse(shaped);
        assertEquals(1232, r.getOPT().getPayloadSize());
        assertEquals(".", r.getOPT().getName().toString());
    }

    @Test
    void malformedRepliesAndCapacity() {
        final Message query = request(query("www.example.org", Type.A, 1232, false));
        final byte[] wire = reply(query, 3, null).toWire();
        final UnsafeBuffer b = direct(wire);
        assertEquals(ResponseShaper.ERR_MALFORMED, ResponseShaper.shape(q, req, b, 0, 11, 4096, 512));
        assertEquals(ResponseShaper.ERR_MALFORMED, ResponseShaper.shape(q, req, b, 0, wire.length - 1, 4096, 512));
        assertEquals(ResponseShaper.ERR_CAPACITY, ResponseShaper.shape(q, req, b, 0, wire.length, 10, 512));
        assertEquals(ResponseShaper.ERR_CAPACITY, ResponseShaper.shape(q, req, b, 0, wire.length, wire.length, 512));
        final Message two = reply(query, 1, new OPTRecord(512, 0, 0));
        two.addRecord(new OPTRecord(1024, 0, 0), Section.ADDITIONAL);
        final byte[] twoWire = two.toWire();
        assertEquals(ResponseShaper.ERR_MALFORMED,
                ResponseShaper.shape(q, req, direct(twoWire), 0, twoWire.length, 4096, 512));
    }

    private static int fixed(final UnsafeBuffer b, final int pos, final int rdlen) {
        b.putShort(pos, (short) Type.A, java.nio.ByteOrder.BIG_ENDIAN);
        b.putShort(pos + 2, (short) DClass.IN, java.nio.ByteOrder.BIG_ENDIAN);
        b.putInt(pos + 4, 60, java.nio.ByteOrder.BIG_ENDIAN);
        b.putShort(pos + 8, (short) rdlen, java.nio.ByteOrder.BIG_ENDIAN);
        return pos + 10 + rdlen;
    }
}
