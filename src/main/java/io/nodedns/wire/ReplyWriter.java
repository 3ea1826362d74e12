package io.nodedns.wire;

import org.agrona.DirectBuffer;
import org.agrona.MutableDirectBuffer;

/**
 * Writes the replies the server produces itself, before and after the chain as CoreDNS's
 * core/dnsserver does, with the OPT of RFC 6891 and CoreDNS's request/edns0.go, from a
 * {@link QueryView} over the request. Allocation-free. Each method returns the reply length, or a
 * negative {@code ERR_*}. {@code dstCapacity} is the number of bytes available from {@code dstOff}.
 */
public final class ReplyWriter {
    /** The reply does not fit in {@code dstCapacity}. */
    public static final int ERR_CAPACITY = -1;
    /** The request had no complete header, so there is no ID to answer to. */
    public static final int ERR_NO_HEADER = -2;
    /** An extended rcode (> 15) was asked for but the request had no OPT to carry it. */
    public static final int ERR_NO_OPT = -3;

    private ReplyWriter() {}

    /**
     * FORMERR / NOTIMP the way the DNS library writes them before any plugin runs: header only
     * (plus the question if {@link QueryView#questionParsed()}), same ID, QR=1, AA=0, Z cleared, other
     * request flags echoed, opcode forced to QUERY unless the rcode is NOTIMP. Unlike miekg/dns, an OPT
     * if the query had a well-formed one (RFC 6891 6.1.1, 7: a query with an OPT gets one back; two
     * OPTs in a query are FORMERR, answered with one), as {@link #writeRcode} writes it.
     */
    public static int writeHeaderError(
            final QueryView q, final DirectBuffer req, final MutableDirectBuffer dst, final int dstOff,
            final int dstCapacity, final int rcode) {
        if (q.length() < DnsHeader.LENGTH) {
            return ERR_NO_HEADER;
        }
        int f = DnsHeader.flags(req, q.offset());
        f = (f | DnsHeader.QR) & ~(DnsHeader.AA | DnsHeader.Z | DnsHeader.RCODE_MASK);
        f |= rcode & DnsHeader.RCODE_MASK;
        if (rcode != DnsHeader.RCODE_NOTIMP) {
            f &= ~DnsHeader.OPCODE_MASK;
        }
        return writeEchoing(q, req, dst, dstOff, dstCapacity, f, 0);
    }

    /**
     * SERVFAIL, REFUSED and other rcodes written by the server after the chain (CoreDNS core/dnsserver):
     * question copied, opcode copied, RD and CD copied for QUERY, QR=1, AA=0, RA=0, no records, and
     * the request's OPT echoed if it had one (version 0, the client's UDP size and DO, only the
     * options CoreDNS's request/edns0.go lets through, RFC 6891). Rcodes above 15 put their upper bits into the OPT.
     */
    public static int writeRcode(
            final QueryView q, final DirectBuffer req, final MutableDirectBuffer dst, final int dstOff,
            final int dstCapacity, final int rcode) {
        if (q.length() < DnsHeader.LENGTH) {
            return ERR_NO_HEADER;
        }
        if (rcode > DnsHeader.RCODE_MASK && !q.hasEdns()) {
            return ERR_NO_OPT;
        }
        final int flags = replyFlags(DnsHeader.flags(req, q.offset())) | (rcode & DnsHeader.RCODE_MASK);
        return writeEchoing(q, req, dst, dstOff, dstCapacity, flags, rcode);
    }

    /**
     * A reply with {@code flags}, the question if it was parsed, no records, and the request's OPT
     * echoed if it had one, carrying the upper bits of {@code rcode}.
     */
    private static int writeEchoing(
            final QueryView q, final DirectBuffer req, final MutableDirectBuffer dst, final int dstOff,
            final int dstCapacity, final int flags, final int rcode) {
        final int questionLength = q.questionParsed() ? q.questionEnd() - q.qnameOffset() : 0;
        final boolean edns = q.hasEdns();
        final int optionsLength = edns
                ? Edns.echoedOptionsLength(req, q.ednsOptionsOffset(), q.ednsOptionsLength())
                : 0;
        final int total = DnsHeader.LENGTH + questionLength + (edns ? Edns.OPT_FIXED_LENGTH + optionsLength : 0);
        if (total > dstCapacity || total > dst.capacity() - dstOff) {
            return ERR_CAPACITY;
        }
        final int pos = writeQuestion(q, req, dst, dstOff, flags, questionLength, edns ? 1 : 0);
        if (edns) {
            writeEchoedOpt(q, req, dst, pos, optionsLength, rcode);
        }
        return total;
    }

    /** Header and question (when there is one); returns where the additional section starts. */
    private static int writeQuestion(
            final QueryView q, final DirectBuffer req, final MutableDirectBuffer dst, final int dstOff,
            final int flags, final int questionLength, final int ar) {
        writeHeader(dst, dstOff, DnsHeader.id(req, q.offset()), flags, questionLength > 0 ? 1 : 0, ar);
        if (questionLength > 0) {
            dst.putBytes(dstOff + DnsHeader.LENGTH, req, q.qnameOffset(), questionLength);
        }
        return dstOff + DnsHeader.LENGTH + questionLength;
    }

    /** The request's OPT as CoreDNS SizeAndDo leaves it: Ttl &= 0xff00 drops extended rcode and version, keeps DO. */
    private static void writeEchoedOpt(
            final QueryView q, final DirectBuffer req, final MutableDirectBuffer dst, final int at,
            final int optionsLength,
            final int rcode) {
        final int ttl = (q.ednsTtl() & Edns.TTL_KEEP_MASK) | ((rcode >>> 4) << 24);
        final int pos = at + Edns.writeOpt(dst, at, q.ednsUdpSize(), ttl, optionsLength);
        Edns.copyEchoedOptions(req, q.ednsOptionsOffset(), q.ednsOptionsLength(), dst, pos);
    }

    /**
     * BADVERS (CoreDNS core/dnsserver, before the chain): a reply to the request with the
     * question copied, header rcode 0, and a fresh OPT with version 0, extended rcode 1, UDP size 0
     * (CoreDNS leaves the class unset), no flags and no options.
     */
    public static int writeBadVers(
            final QueryView q, final DirectBuffer req, final MutableDirectBuffer dst, final int dstOff,
            final int dstCapacity) {
        if (q.length() < DnsHeader.LENGTH) {
            return ERR_NO_HEADER;
        }
        final int questionLength = q.questionParsed() ? q.questionEnd() - q.qnameOffset() : 0;
        final int total = DnsHeader.LENGTH + questionLength + Edns.OPT_FIXED_LENGTH;
        if (total > dstCapacity || total > dst.capacity() - dstOff) {
            return ERR_CAPACITY;
        }
        final int flags = replyFlags(DnsHeader.flags(req, q.offset()))
                | (DnsHeader.RCODE_BADVERS & DnsHeader.RCODE_MASK);
        final int pos = writeQuestion(q, req, dst, dstOff, flags, questionLength, 1);
        Edns.writeOpt(dst, pos, 0, Edns.ttl(DnsHeader.RCODE_BADVERS >>> 4, 0, 0), 0);
        return total;
    }

    /** miekg/dns SetReply: QR, request opcode, and RD/CD only when the opcode is QUERY. */
    static int replyFlags(final int reqFlags) {
        int f = DnsHeader.QR | (reqFlags & DnsHeader.OPCODE_MASK);
        if ((reqFlags & DnsHeader.OPCODE_MASK) == 0) {
            f |= reqFlags & (DnsHeader.RD | DnsHeader.CD);
        }
        return f;
    }

    static void writeHeader(
            final MutableDirectBuffer dst, final int off, final int id, final int flags, final int qd, final int ar) {
        DnsHeader.id(dst, off, id);
        DnsHeader.flags(dst, off, flags);
        DnsHeader.qdcount(dst, off, qd);
        DnsHeader.ancount(dst, off, 0);
        DnsHeader.nscount(dst, off, 0);
        DnsHeader.arcount(dst, off, ar);
    }
}
