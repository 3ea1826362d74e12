package io.nodedns.wire;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.nodedns.testing.EscapedLabel;
import java.util.HashSet;
import java.util.Locale;
import java.util.Set;
import java.util.SplittableRandom;

import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;
import org.xbill.DNS.CNAMERecord;
import org.xbill.DNS.DClass;
import org.xbill.DNS.Message;
import org.xbill.DNS.NSRecord;
import org.xbill.DNS.Name;
import org.xbill.DNS.Record;
import org.xbill.DNS.Section;

class NamesTest {
    private final UnsafeBuffer buf = new UnsafeBuffer(new byte[1024]);

    @Test
    void fromStringAndToStringMatchDnsjava() throws Exception {
        final String[] names = {
                ".", "www.example.org.", "www.example.org", "Mixed.CASE.example.", "a\\.b.example.", "\\000\\255.x.",
                "sp\\032ace.example.", "quote\\\".semi\\;.paren\\(\\).at\\@.dollar\\$.back\\\\slash.",
                "_srv._tcp.local.",
                "x.", "\\065bc.", "\\.."};
        for (final String s : names) {
            final Name expected = Name.fromString(s, Name.root);
            final int len = Names.fromString(s, buf, 3);
            assertTrue(len > 0, s + " -> " + len);
            assertArrayEquals(expected.toWire(), WireTestSupport.bytes(buf, 3, len), s);
            assertEquals(expected.toString(), Names.toString(buf, 3, len), s);
            assertEquals(len, Names.uncompressedLength(buf, 3, 3 + len));
            assertEquals(expected.labels() - 1, Names.labelCount(buf, 3, len));
        }
    }

    /**
     * miekg/dns v1.1.50's UnpackDomainName, the text CoreDNS's plugins see: the bytes
     * isDomainNameLabelSpecial names ({@code . ' @ ; ( ) " \} and space) after a backslash, bytes
     * below a space or above {@code ~} as escapeByte's {@code \DDD}, every other byte as is (so
     * {@code $}, unlike dig). Presentation text read back gives the same wire name.
     */
    @Test
    void coreDnsTextEscapesAsMiekgDnsUnpacksNames() throws Exception {
        final String special = ".'@;()\" \\";
        for (int c = 0; c < 256; c++) {
            final byte[] wire = {1, (byte) c, 0};
            buf.putBytes(0, wire);
            final String expected;
            if (special.indexOf(c) >= 0) {
                expected = "\\" + (char) c; // isDomainNameLabelSpecial
            } else if (c < ' ' || c > '~') {
                expected = String.format(Locale.ROOT, "\\%03d", c); // escapeByte
            } else {
                expected = String.valueOf((char) c);
            }
            final String text = Names.toCoreDnsText(buf, 0, wire.length);
            assertEquals(expected + ".", text, "byte " + c);
            final char[] out = new char[4];
            assertEquals(expected, new String(out, 0, Names.escapeLabelByteCoreDns(c, out, 0)), "byte " + c);
            assertEquals(wire.length, Names.fromString(text, buf, 100), text);
            assertArrayEquals(wire, WireTestSupport.bytes(buf, 100, wire.length), text);
        }
        final int len = Names.fromString(EscapedLabel.DIG + ".Example.", buf, 0);
        assertEquals(EscapedLabel.COREDNS + ".Example.", Names.toCoreDnsText(buf, 0, len));
        assertEquals(EscapedLabel.DIG + ".Example.", Names.toString(buf, 0, len));
        buf.putByte(0, (byte) 0);
        assertEquals(".", Names.toCoreDnsText(buf, 0, 1));
    }

    @Test
    void randomBinaryLabelsRoundTrip() throws Exception {
        final SplittableRandom rnd = new SplittableRandom(1);
        for (int n = 0; n < 3000; n++) {
            final byte[] wire = randomName(rnd);
            final Name expected = new Name(wire);
            buf.putBytes(0, wire);
            final String text = Names.toString(buf, 0, wire.length);
            assertEquals(expected.toString(), text);
            final int len = Names.fromString(text, buf, 300);
            assertEquals(wire.length, len, text);
            assertArrayEquals(wire, WireTestSupport.bytes(buf, 300, len), text);
        }
    }

    @Test
    void fromStringErrors() {
        assertEquals(Names.ERR_SYNTAX, Names.fromString("", buf, 0));
        assertEquals(Names.ERR_SYNTAX, Names.fromString("a..b.", buf, 0));
        assertEquals(Names.ERR_SYNTAX, Names.fromString(".a.", buf, 0));
        assertEquals(Names.ERR_SYNTAX, Names.fromString("a\\", buf, 0));
        assertEquals(Names.ERR_SYNTAX, Names.fromString("a\\25", buf, 0));
        assertEquals(Names.ERR_SYNTAX, Names.fromString("a\\256.", buf, 0));
        assertEquals(Names.ERR_SYNTAX, Names.fromString("\u00e9\u0100.", buf, 0));
        assertEquals(Names.ERR_LABEL_TOO_LONG, Names.fromString("a".repeat(64) + ".", buf, 0));
        assertEquals(65, Names.fromString("a".repeat(63) + ".", buf, 0));
        final String l63 = "b".repeat(63) + ".";
        final String max = l63 + l63 + l63 + "c".repeat(61) + "."; // 64*3 + 62 + 1 = 255 bytes
        assertEquals(255, Names.fromString(max, buf, 0));
        assertEquals(Names.ERR_TOO_LONG, Names.fromString("d." + max, buf, 0));
        assertEquals(Names.ERR_TOO_LONG, Names.fromString(l63 + l63 + l63 + l63, buf, 0));
        assertEquals(Names.ERR_CAPACITY, Names.fromString("www.example.org.", new UnsafeBuffer(new byte[10]), 0));
        assertEquals(Names.ERR_CAPACITY, Names.fromString(".", new UnsafeBuffer(new byte[10]), 10));
    }

    @Test
    void skipFollowsPointersAndRejectsBadNames() {
        // 12: example.com.  25: www -> ptr(12)   31: ptr(25)   33: loop ptr(33)
        buf.setMemory(0, 100, (byte) 0);
        final int ex = Names.fromString("example.com.", buf, 12);
        assertEquals(13, ex);
        buf.putByte(25, (byte) 3);
        buf.putStringWithoutLengthAscii(26, "www");
        buf.putByte(29, (byte) 0xC0);
        buf.putByte(30, (byte) 12);
        buf.putByte(31, (byte) 0xC0);
        buf.putByte(32, (byte) 25);
        buf.putByte(33, (byte) 0xC0);
        buf.putByte(34, (byte) 33);
        assertEquals(25, Names.skip(buf, 0, 12, 100));
        assertEquals(31, Names.skip(buf, 0, 25, 100));
        assertEquals(33, Names.skip(buf, 0, 31, 100));
        assertEquals(Names.ERR_LOOP, Names.skip(buf, 0, 33, 100));
        assertEquals(Names.ERR_BOUNDS, Names.skip(buf, 0, 12, 20));
        assertEquals(Names.ERR_BOUNDS, Names.skip(buf, 0, 25, 30)); // pointer cut in half
        assertEquals(Names.ERR_POINTER, Names.uncompressedLength(buf, 25, 100));
        assertEquals(13, Names.uncompressedLength(buf, 12, 100));
        // pointers are relative to the message start
        Names.fromString("example.com.", buf, 112);
        buf.putByte(133, (byte) 0xC0);
        buf.putByte(134, (byte) 12);
        assertEquals(135, Names.skip(buf, 100, 133, 200));
        assertEquals("example.com.", Names.toString(buf, 100, 133, 200));
        assertEquals(112, Records.namePointerTarget(buf, 100, 133, 200));
        assertEquals(-1, Records.namePointerTarget(buf, 100, 112, 200));
        buf.setMemory(100, 50, (byte) 0);
        buf.putByte(40, (byte) 0x40);
        assertEquals(Names.ERR_LABEL_TYPE, Names.skip(buf, 0, 40, 100));
        assertEquals(Names.ERR_LABEL_TYPE, Names.uncompressedLength(buf, 40, 100));
        buf.putByte(40, (byte) 0x80);
        assertEquals(Names.ERR_LABEL_TYPE, Names.skip(buf, 0, 40, 100));
        // target past the limit
        buf.putByte(40, (byte) 0xC0);
        buf.putByte(41, (byte) 90);
        assertEquals(Names.ERR_BOUNDS, Names.skip(buf, 0, 40, 60));
    }

    @Test
    void nameOver255BytesViaPointersIsRejected() {
        // five 63-byte labels chained by pointers: each uncompressed part is fine, the whole is 321 bytes
        final int[] starts = new int[5];
        int pos = DnsHeader.LENGTH; // pointers into the header are refused
        for (int i = 0; i < 5; i++) {
            starts[i] = pos;
            buf.putByte(pos, (byte) 63);
            buf.setMemory(pos + 1, 63, (byte) 'a');
            pos += 64;
            if (i == 0) {
                buf.putByte(pos++, (byte) 0);
            } else {
                buf.putByte(pos++, (byte) (0xC0 | (starts[i - 1] >>> 8)));
                buf.putByte(pos++, (byte) starts[i - 1]);
            }
        }
        assertEquals(starts[2] + 66, Names.skip(buf, 0, starts[2], pos)); // 3 labels: 193 bytes
        assertEquals(Names.ERR_TOO_LONG, Names.skip(buf, 0, starts[3], pos)); // 4 labels: 257 bytes
        assertEquals(Names.ERR_TOO_LONG, Names.expand(buf, 0, starts[3], pos, new UnsafeBuffer(new byte[512]), 0));
        assertEquals(193, Names.expand(buf, 0, starts[2], pos, new UnsafeBuffer(new byte[512]), 0));
    }

    @Test
    void pointerIntoTheHeaderIsRejected() {
        // shaping rewrites the header counts and flags, so a name made of header bytes would change
        buf.putByte(20, (byte) 0xC0);
        buf.putByte(21, (byte) (DnsHeader.LENGTH - 1));
        assertEquals(Names.ERR_POINTER, Names.skip(buf, 0, 20, 40));
        buf.putByte(21, (byte) DnsHeader.LENGTH);
        buf.putByte(DnsHeader.LENGTH, (byte) 0);
        assertEquals(22, Names.skip(buf, 0, 20, 40));
    }

    @Test
    void expandAndCompressedEqualsMatchDnsjava() throws Exception {
        final Message m = WireTestSupport.aResponse(WireTestSupport.query("www.Example.ORG", 1), 2);
        final Name target = Name.fromString("cdn.example.org.");
        m.addRecord(new CNAMERecord(Name.fromString("alias.www.example.org."), DClass.IN, 60, target), Section.ANSWER);
        m.addRecord(new NSRecord(Name.fromString("example.org."), DClass.IN, 60, Name.fromString("ns1.example.org.")),
                Section.AUTHORITY);
        final byte[] wire = m.toWire();
        final UnsafeBuffer b = WireTestSupport.direct(wire, 50, 4096);
        final RecordWalker w = new RecordWalker();
        assertEquals(0, w.wrap(b, 50, wire.length));
        final UnsafeBuffer out = new UnsafeBuffer(new byte[300]);
        final UnsafeBuffer plain = new UnsafeBuffer(new byte[300]);
        int i = 0;
        for (final Record r : WireTestSupport.all(m)) {
            assertTrue(w.next());
            final int len = Names.expand(b, 50, w.ownerOffset(), 50 + wire.length, out, 7);
            // dnsjava compresses case-insensitively, so the letter case is the first occurrence's
            Names.toLowerCase(out, 7, len);
            assertArrayEquals(r.getName().toWireCanonical(), WireTestSupport.bytes(out, 7, len));
            assertTrue(r.getName().toString().equalsIgnoreCase(
                    Names.toString(b, 50, w.ownerOffset(), 50 + wire.length)));
            final byte[] lower = r.getName().toWireCanonical();
            plain.putBytes(0, lower);
            assertTrue(Names.equalsIgnoreCase(b, 50, w.ownerOffset(), 50 + wire.length, plain, 0, lower.length));
            assertFalse(Names.equalsIgnoreCase(b, 50, w.ownerOffset(), 50 + wire.length, plain, 1, lower.length - 1));
            assertEquals(Names.hashLowerCase(plain, 0, lower.length), Names.hashLowerCase(out, 7, len));
            i++;
        }
        assertFalse(w.next());
        assertEquals(4, i);
    }

    @Test
    void hashAndEqualsIgnoreCaseAreCaseInsensitiveAndOffsetFree() {
        final SplittableRandom rnd = new SplittableRandom(3);
        final Set<Integer> hashes = new HashSet<>();
        for (int n = 0; n < 2000; n++) {
            final String s = randomHostname(rnd, n);
            final int len = Names.fromString(s, buf, 0);
            final int len2 = Names.fromString(s.toUpperCase(Locale.ROOT), buf, 301 + (n % 8));
            assertEquals(len, len2);
            assertTrue(Names.equalsIgnoreCase(buf, 0, buf, 301 + (n % 8), len));
            assertEquals(Names.hashLowerCase(buf, 0, len), Names.hashLowerCase(buf, 301 + (n % 8), len));
            hashes.add(Names.hashLowerCase(buf, 0, len));
            Names.toLowerCase(buf, 301 + (n % 8), len);
            assertArrayEquals(WireTestSupport.bytes(buf, 0, len), WireTestSupport.bytes(buf, 301 + (n % 8), len));
        }
        assertTrue(hashes.size() > 1990, "hash collisions: " + (2000 - hashes.size()));
        Names.fromString("a.example.", buf, 0);
        Names.fromString("b.example.", buf, 100);
        assertFalse(Names.equalsIgnoreCase(buf, 0, buf, 100, 11));
        assertNotEquals(Names.hashLowerCase(buf, 0, 11), Names.hashLowerCase(buf, 100, 11));
    }

    @Test
    void lower8AgreesWithBytewiseLowerForAllByteValues() {
        for (int c = 0; c < 256; c++) {
            for (int pos = 0; pos < 8; pos++) {
                final long x = (0x5A415B40617A7F80L & ~(0xFFL << (pos * 8))) | ((long) c << (pos * 8));
                long expected = 0;
                for (int k = 7; k >= 0; k--) {
                    expected = (expected << 8) | Names.lower((int) (x >>> (k * 8)) & 0xFF);
                }
                assertEquals(expected, Names.lower8(x), "byte " + c + " at " + pos);
            }
        }
    }

    @Test
    void parentOffsetWalksSuffixes() {
        final int len = Names.fromString("a.bb.ccc.", buf, 10);
        final int end = 10 + len;
        final StringBuilder seen = new StringBuilder();
        for (int p = 10; p >= 0; p = Names.parentOffset(buf, p, end)) {
            seen.append(Names.toString(buf, p, end - p)).append(' ');
        }
        assertEquals("a.bb.ccc. bb.ccc. ccc. . ", seen.toString());
        assertEquals(3, Names.labelCount(buf, 10, len));
        assertEquals(0, Names.labelCount(buf, end - 1, 1));
        assertTrue(Names.parentOffset(buf, end - 1, end) < 0);
    }

    static byte[] randomName(final SplittableRandom rnd) {
        final int labels = rnd.nextInt(5);
        final byte[] tmp = new byte[255];
        int pos = 0;
        for (int i = 0; i < labels; i++) {
            final int l = 1 + rnd.nextInt(rnd.nextBoolean() ? 10 : 63);
            if (pos + l + 2 > 255) {
                break;
            }
            tmp[pos++] = (byte) l;
            for (int k = 0; k < l; k++) {
                tmp[pos++] = (byte) (rnd.nextInt(4) == 0 ? rnd.nextInt(256) : 'a' + rnd.nextInt(26));
            }
        }
        tmp[pos++] = 0;
        return java.util.Arrays.copyOf(tmp, pos);
    }

    static String randomHostname(final SplittableRandom rnd, final int n) {
        return "host-" + n + "-" + rnd.nextInt(1000) + ".ns" + rnd.nextInt(50) + ".svc.cluster.local.";
    }
}
