package io.nodedns.plugin.local;

import io.nodedns.server.ChainHandler;
import io.nodedns.server.Exchange;
import io.nodedns.server.Result;
import io.nodedns.wire.AnswerWriter;
import io.nodedns.wire.DnsHeader;
import io.nodedns.wire.Names;
import io.nodedns.wire.QueryView;
import io.nodedns.wire.ZoneSet;
import io.nodedns.wire.Records;
import java.nio.ByteOrder;
import java.util.List;
import org.agrona.DirectBuffer;
import org.agrona.ExpandableDirectByteBuffer;
import org.agrona.concurrent.UnsafeBuffer;

/**
 * Answers "local" names so they never leave the node (CoreDNS plugin/local): the zones localhost.,
 * 0.in-addr.arpa., 127.in-addr.arpa. and 255.in-addr.arpa. (nearly empty: localhost. A 127.0.0.1
 * and AAAA ::1, 1.0.0.127.in-addr.arpa. PTR localhost., SOA and NS at each apex, NXDOMAIN below),
 * names under localhost. (RFC 6761 6.3: loopback addresses) and, unless turned off,
 * localhost.DOMAIN (counted). Replies are not authoritative and carry TTL 604800, as CoreDNS's.
 */
final class LocalHandler extends ChainHandler {
    static final int TTL = 604800;
    private static final ByteOrder BE = ByteOrder.BIG_ENDIAN;
    private static final String[] ZONES = {"localhost.", "0.in-addr.arpa.", "127.in-addr.arpa.", "255.in-addr.arpa."};
    private static final byte[] LOCALHOST = {9, 'l', 'o', 'c', 'a', 'l', 'h', 'o', 's', 't', 0};
    private static final byte[] LOOPBACK_V4 = {127, 0, 0, 1};
    private static final byte[] LOOPBACK_V6 = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1};

    private final boolean localhostPrefix;
    private final ZoneSet zones = ZoneSet.of(List.of(ZONES));
    private final UnsafeBuffer ptrName = new UnsafeBuffer(new byte[Names.MAX_NAME_LENGTH + 1]);
    private final int ptrNameLength;
    private final UnsafeBuffer localhost = new UnsafeBuffer(LOCALHOST);

    LocalHandler(boolean localhostPrefix) {
        super("local");
        this.localhostPrefix = localhostPrefix;
        ptrNameLength = Names.fromString("1.0.0.127.in-addr.arpa.", ptrName, 0);
    }

    @Override
    public int serve(Exchange ex) {
        QueryView q = ex.query();
        DirectBuffer req = ex.request();
        int qoff = q.qnameOffset();
        int qlen = q.qnameLength();
        if (qlen > LOCALHOST.length && (zones.contains(0, req, qoff, qlen)
                || (localhostPrefix && Names.equalsIgnoreCase(req, qoff, localhost, 0, LOCALHOST.length - 1)))) {
            LocalMetrics.LOCALHOST_REQUESTS.increment();
            return loopback(ex, q, AnswerWriter.QNAME_POINTER);
        }
        int zone = zones.longest(req, qoff, qlen);
        if (zone < 0) {
            return next(ex);
        }
        int zonePointer = AnswerWriter.QNAME_POINTER + qlen - zones.length(zone);
        if (qlen == zones.length(zone)) {
            return apex(ex, q, zone == 0);
        }
        ExpandableDirectByteBuffer out = ex.response();
        if (qlen == ptrNameLength && Names.equalsIgnoreCase(req, qoff, ptrName, 0, ptrNameLength)) {
            if (q.qtype() == Records.TYPE_PTR) {
                int pos = AnswerWriter.begin(q, req, out, 0, DnsHeader.RCODE_NOERROR);
                int rdata = AnswerWriter.record(out, pos, Records.TYPE_PTR, Records.CLASS_IN, TTL);
                out.putBytes(rdata, LOCALHOST);
                return written(ex, AnswerWriter.end(out, rdata, rdata + LOCALHOST.length), 1, 0);
            }
            return soaOnly(ex, q, DnsHeader.RCODE_NOERROR, zonePointer);
        }
        return soaOnly(ex, q, DnsHeader.RCODE_NXDOMAIN, zonePointer);
    }

    /** The apex of one of the four zones; only localhost. has addresses. */
    private int apex(Exchange ex, QueryView q, boolean isLocalhost) {
        int type = q.qtype();
        if ((type == Records.TYPE_A || type == Records.TYPE_AAAA) && isLocalhost) {
            return loopback(ex, q, AnswerWriter.QNAME_POINTER);
        }
        ExpandableDirectByteBuffer out = ex.response();
        if (type == Records.TYPE_SOA) {
            int pos = AnswerWriter.begin(q, ex.request(), out, 0, DnsHeader.RCODE_NOERROR);
            return written(ex, soa(out, pos, AnswerWriter.QNAME_POINTER), 1, 0);
        }
        if (type == Records.TYPE_NS) {
            int pos = AnswerWriter.begin(q, ex.request(), out, 0, DnsHeader.RCODE_NOERROR);
            int rdata = AnswerWriter.record(out, pos, Records.TYPE_NS, Records.CLASS_IN, TTL);
            out.putBytes(rdata, LOCALHOST);
            return written(ex, AnswerWriter.end(out, rdata, rdata + LOCALHOST.length), 1, 0);
        }
        return soaOnly(ex, q, DnsHeader.RCODE_NOERROR, AnswerWriter.QNAME_POINTER);
    }

    /** A 127.0.0.1 or AAAA ::1 for the question name; other types NODATA with an SOA owned by it. */
    private int loopback(Exchange ex, QueryView q, int owner) {
        int type = q.qtype();
        if (type != Records.TYPE_A && type != Records.TYPE_AAAA) {
            return soaOnly(ex, q, DnsHeader.RCODE_NOERROR, owner);
        }
        ExpandableDirectByteBuffer out = ex.response();
        int pos = AnswerWriter.begin(q, ex.request(), out, 0, DnsHeader.RCODE_NOERROR);
        byte[] address = type == Records.TYPE_A ? LOOPBACK_V4 : LOOPBACK_V6;
        int rdata = AnswerWriter.record(out, pos, owner, type, Records.CLASS_IN, TTL);
        out.putBytes(rdata, address);
        return written(ex, AnswerWriter.end(out, rdata, rdata + address.length), 1, 0);
    }

    private int soaOnly(Exchange ex, QueryView q, int rcode, int owner) {
        ExpandableDirectByteBuffer out = ex.response();
        int pos = AnswerWriter.begin(q, ex.request(), out, 0, rcode);
        return written(ex, soa(out, pos, owner), 0, 1);
    }

    /** SOA localhost. root.localhost. 1 0 0 0 604800, as CoreDNS writes it. */
    private static int soa(ExpandableDirectByteBuffer out, int pos, int owner) {
        int rdata = AnswerWriter.record(out, pos, owner, Records.TYPE_SOA, Records.CLASS_IN, TTL);
        int p = rdata;
        out.putBytes(p, LOCALHOST);
        p += LOCALHOST.length;
        out.putByte(p, (byte) 4);
        out.putByte(p + 1, (byte) 'r');
        out.putByte(p + 2, (byte) 'o');
        out.putByte(p + 3, (byte) 'o');
        out.putByte(p + 4, (byte) 't');
        out.putShort(p + 5, (short) (0xC000 | rdata), BE); // root. + the mname just written
        p += 7;
        out.putInt(p, 1, BE); // serial
        out.putInt(p + 4, 0, BE); // refresh
        out.putInt(p + 8, 0, BE); // retry
        out.putInt(p + 12, 0, BE); // expire
        out.putInt(p + 16, TTL, BE); // minimum
        return AnswerWriter.end(out, rdata, p + 20);
    }

    private static int written(Exchange ex, int end, int answers, int authority) {
        ExpandableDirectByteBuffer out = ex.response();
        AnswerWriter.count(out, 1, answers);
        AnswerWriter.count(out, 2, authority);
        ex.written(end, "local");
        return Result.WRITTEN;
    }
}
