package io.nodedns.plugin.forward;

import io.nodedns.server.Exchange;
import io.nodedns.wire.DnsHeader;
import io.nodedns.wire.QueryView;
import io.nodedns.wire.Records;
import java.nio.ByteOrder;
import org.agrona.DirectBuffer;
import org.agrona.ExpandableDirectByteBuffer;

/**
 * Special-use names that a caching server answers itself instead of asking upstream (RFC 6761):
 * {@code localhost.} and every name under it is the loopback host (6.3: A 127.0.0.1, AAAA ::1,
 * NODATA for other types), {@code invalid.} and every name under it does not exist (6.4: NXDOMAIN).
 * The negative answers carry the zone's SOA so that clients may cache them (RFC 2308 3), with the
 * values unbound serves for its default local zones. Allocation-free: the reply is written into
 * the exchange's buffer.
 */
final class SpecialNames {
    static final int NONE = 0;
    static final int LOCALHOST = 1;
    static final int INVALID = 2;

    static final int TTL = 10800;
    private static final ByteOrder BE = ByteOrder.BIG_ENDIAN;
    private static final byte[] LOCALHOST_LABEL = {'l', 'o', 'c', 'a', 'l', 'h', 'o', 's', 't'};
    private static final byte[] INVALID_LABEL = {'i', 'n', 'v', 'a', 'l', 'i', 'd'};
    /** SOA RDATA: localhost. nobody.invalid. 1 3600 1200 604800 10800. */
    private static final byte[] SOA_RDATA = {
            9, 'l', 'o', 'c', 'a', 'l', 'h', 'o', 's', 't', 0,
            6, 'n', 'o', 'b', 'o', 'd', 'y', 7, 'i', 'n', 'v', 'a', 'l', 'i', 'd', 0,
            0, 0, 0, 1, 0, 0, 0x0E, 0x10, 0, 0, 0x04, (byte) 0xB0, 0, 0x09, 0x3A, (byte) 0x80, 0, 0, 0x2A, 0x30};
    private static final byte[] LOOPBACK_V4 = {127, 0, 0, 1};
    private static final byte[] LOOPBACK_V6 = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1};
    /** Header, the longest name, and an SOA or an AAAA record behind it. */
    private static final int MAX_REPLY = DnsHeader.LENGTH + 255 + 4 + 2 + Records.FIXED_LENGTH + 47;

    private SpecialNames() {}

    /** {@link #LOCALHOST}, {@link #INVALID} or {@link #NONE} for the question name of {@code q}. */
    static int match(DirectBuffer req, QueryView q) {
        int last = lastLabel(req, q.qnameOffset(), q.qnameLength());
        if (last < 0) {
            return NONE;
        }
        if (labelIs(req, last, LOCALHOST_LABEL)) {
            return LOCALHOST;
        }
        return labelIs(req, last, INVALID_LABEL) ? INVALID : NONE;
    }

    /**
     * Writes the answer for a name {@link #match} classified and returns its length. The question is
     * the client's bytes; owners point at it, the SOA's owner at the zone's label inside it.
     */
    static int write(Exchange ex, int kind) {
        QueryView q = ex.query();
        DirectBuffer req = ex.request();
        ExpandableDirectByteBuffer out = ex.response();
        if (out.capacity() < MAX_REPLY) {
            out.checkLimit(MAX_REPLY);
        }
        int qclass = q.qclass();
        int rrClass = qclass == Records.CLASS_ANY ? Records.CLASS_IN : qclass;
        boolean address = kind == LOCALHOST && rrClass == Records.CLASS_IN
                && (q.qtype() == Records.TYPE_A || q.qtype() == Records.TYPE_AAAA);
        int rcode = kind == INVALID ? DnsHeader.RCODE_NXDOMAIN : DnsHeader.RCODE_NOERROR;
        // An answer of the server's own (AA, as unbound's local zones), RD and CD copied (RFC 4035 3.2.2).
        int flags = DnsHeader.QR | DnsHeader.AA | DnsHeader.RA | (q.flags() & (DnsHeader.RD | DnsHeader.CD)) | rcode;
        DnsHeader.id(out, 0, q.id());
        DnsHeader.flags(out, 0, flags);
        DnsHeader.qdcount(out, 0, 1);
        DnsHeader.ancount(out, 0, address ? 1 : 0);
        DnsHeader.nscount(out, 0, address ? 0 : 1);
        DnsHeader.arcount(out, 0, 0);
        int questionLength = q.questionEnd() - q.qnameOffset();
        out.putBytes(DnsHeader.LENGTH, req, q.qnameOffset(), questionLength);
        int pos = DnsHeader.LENGTH + questionLength;
        if (address) {
            byte[] rdata = q.qtype() == Records.TYPE_A ? LOOPBACK_V4 : LOOPBACK_V6;
            pos = record(out, pos, DnsHeader.LENGTH, q.qtype(), rrClass, rdata);
        } else {
            int zone = DnsHeader.LENGTH + lastLabel(req, q.qnameOffset(), q.qnameLength()) - q.qnameOffset();
            pos = record(out, pos, zone, Records.TYPE_SOA, rrClass, SOA_RDATA);
        }
        return pos;
    }

    private static int record(ExpandableDirectByteBuffer out, int pos, int ownerAt, int type, int rrClass,
            byte[] rdata) {
        out.putShort(pos, (short) (0xC000 | ownerAt), BE);
        out.putShort(pos + 2, (short) type, BE);
        out.putShort(pos + 4, (short) rrClass, BE);
        out.putInt(pos + 6, TTL, BE);
        out.putShort(pos + 10, (short) rdata.length, BE);
        out.putBytes(pos + 12, rdata);
        return pos + 12 + rdata.length;
    }

    /** Offset of the last label before the root of an uncompressed name, or -1 for the root itself. */
    private static int lastLabel(DirectBuffer b, int off, int len) {
        int last = -1;
        int end = off + len;
        for (int pos = off; pos < end;) {
            int l = b.getByte(pos) & 0xFF;
            if (l == 0) {
                break;
            }
            last = pos;
            pos += l + 1;
        }
        return last;
    }

    private static boolean labelIs(DirectBuffer b, int at, byte[] label) {
        if ((b.getByte(at) & 0xFF) != label.length) {
            return false;
        }
        for (int i = 0; i < label.length; i++) {
            int c = b.getByte(at + 1 + i) & 0xFF;
            if ((c >= 'A' && c <= 'Z' ? c + 32 : c) != label[i]) {
                return false;
            }
        }
        return true;
    }
}
