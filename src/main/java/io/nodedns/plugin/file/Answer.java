package io.nodedns.plugin.file;

import io.nodedns.server.Exchange;
import io.nodedns.wire.DnsHeader;
import io.nodedns.wire.QueryView;
import java.nio.ByteOrder;
import org.agrona.ExpandableDirectByteBuffer;
import org.agrona.MutableDirectBuffer;
import org.xbill.DNS.Name;

/**
 * One reply precomputed at load time: everything after the question (answer, authority and
 * additional records in wire form) plus the header facts. At query time only the ID, the
 * client's question and the compression pointers into the body are written, so the client's
 * question case is kept and nothing is allocated.
 *
 * <p>Owner names equal to the query name are pointers to offset 12 (the question). Other names
 * may point back into the body; those pointers are stored relative to the body's start and listed
 * in {@code patches}, to be moved by the question's length when written. Equal replies (the same
 * header facts and bytes) are {@link #equals}, so one object can serve both.
 *
 * @param mayFallThrough NXDOMAIN, or NOERROR with an empty answer at an empty non-terminal: CoreDNS
 *     may fall through
 * @param externalTarget where the answer's CNAME chain leaves the zone (CoreDNS externalLookup asks
 *     the server), or null
 */
record Answer(int rcode, boolean authoritative, boolean mayFallThrough, int answerCount, int authorityCount,
        int additionalCount, byte[] body, int[] patches, Name externalTarget) {
    private static final ByteOrder BE = ByteOrder.BIG_ENDIAN;

    /** Writes the reply to the exchange's query into its response buffer and returns its length. */
    int write(Exchange ex) {
        QueryView q = ex.query();
        ExpandableDirectByteBuffer out = ex.response();
        int questionLength = q.questionEnd() - q.qnameOffset();
        int base = DnsHeader.LENGTH + questionLength;
        int total = base + body.length;
        out.checkLimit(total);
        // miekg/dns SetReply: QR, opcode, RD and CD copied; RA never set by an authoritative plugin.
        int requestFlags = q.flags();
        int flags = DnsHeader.QR | (requestFlags & (DnsHeader.OPCODE_MASK | DnsHeader.RD | DnsHeader.CD))
                | (authoritative ? DnsHeader.AA : 0) | rcode;
        DnsHeader.id(out, 0, q.id());
        DnsHeader.flags(out, 0, flags);
        DnsHeader.qdcount(out, 0, 1);
        DnsHeader.ancount(out, 0, answerCount);
        DnsHeader.nscount(out, 0, authorityCount);
        DnsHeader.arcount(out, 0, additionalCount);
        out.putBytes(DnsHeader.LENGTH, ex.request(), q.qnameOffset(), questionLength);
        out.putBytes(base, body);
        for (int p : patches) {
            int at = base + p;
            int relative = out.getShort(at, BE) & 0x3FFF;
            out.putShort(at, (short) (0xC000 | (relative + base)), BE);
        }
        return total;
    }

    /** Copies the body alone to {@code out} at {@code at}, moving its compression pointers there. */
    void appendBody(MutableDirectBuffer out, int at) {
        out.putBytes(at, body);
        for (int p : patches) {
            int relative = out.getShort(at + p, BE) & 0x3FFF;
            out.putShort(at + p, (short) (0xC000 | (relative + at)), BE);
        }
    }

    @Override
    public boolean equals(Object other) {
        return other instanceof Answer o && rcode == o.rcode && authoritative == o.authoritative
                && mayFallThrough == o.mayFallThrough && answerCount == o.answerCount
                && authorityCount == o.authorityCount && additionalCount == o.additionalCount
                && java.util.Arrays.equals(body, o.body) && java.util.Arrays.equals(patches, o.patches)
                && java.util.Objects.equals(externalTarget, o.externalTarget);
    }

    @Override
    public int hashCode() {
        return 31 * java.util.Arrays.hashCode(body) + rcode;
    }

    /** Heap bytes of this reply, roughly. */
    long retainedBytes() {
        return 48 + 16 + body.length + (patches.length == 0 ? 0 : 16 + 4L * patches.length)
                + (externalTarget == null ? 0 : 48 + externalTarget.length());
    }
}
