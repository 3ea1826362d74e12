package io.nodedns.wire;

import java.nio.ByteOrder;

import org.agrona.DirectBuffer;
import org.agrona.MutableDirectBuffer;

/**
 * Parsed view of a query: header, the single question and the EDNS facts, filled by one pass over
 * the message without allocating. Reusable: keep one instance per I/O loop and {@link #wrap} each
 * datagram. Offsets returned are absolute offsets in the wrapped buffer.
 * <p>
 * The checks follow CoreDNS's core/dnsserver before the chain (miekg/dns accept func, then unpack): short -> dropped, QR=1 ->
 * ignored, opcode other than QUERY/NOTIFY -> NOTIMP, section counts -> FORMERR, unparseable ->
 * FORMERR, EDNS version other than 0 -> BADVERS.
 */
public final class QueryView {
    public static final int OK = 0;
    /** Shorter than the 12-byte header: drop silently. */
    public static final int ERR_SHORT = -1;
    /** QR=1: a response, ignore. */
    public static final int ERR_RESPONSE = -2;
    /** Opcode neither QUERY (0) nor NOTIFY (4). */
    public static final int ERR_NOTIMP = -3;
    /** Bad section counts, bad or compressed question name, truncated sections, bad OPT. */
    public static final int ERR_FORMERR = -4;
    /** EDNS version other than 0; everything else parsed. */
    public static final int ERR_BADVERS = -5;

    private static final ByteOrder BE = ByteOrder.BIG_ENDIAN;

    private DirectBuffer buffer;
    private int offset;
    private int length;
    private int result;
    private int flags;
    private boolean questionParsed;
    private int qnameOffset;
    private int qnameLength;
    private int qtype;
    private int qclass;
    private int questionEnd;
    private int qnameHash;
    private boolean hasEdns;
    private int ednsUdpSize;
    private int ednsTtl;
    private int ednsOptionsOffset;
    private int ednsOptionsLength;
    private int optRecordOffset;
    private int ednsClassOffset;
    private int optRecordLength;

    /**
     * Parses the query in {@code [off, off + length)}.
     *
     * @return {@link #OK} or an {@code ERR_*}; the accessors stay valid for what was parsed.
     */
    public int wrap(final DirectBuffer b, final int off, final int length) {
        buffer = b;
        offset = off;
        this.length = length;
        flags = 0;
        questionParsed = false;
        qnameOffset = qnameLength = qtype = qclass = questionEnd = qnameHash = 0;
        hasEdns = false;
        ednsUdpSize = ednsTtl = ednsOptionsOffset = ednsOptionsLength = ednsClassOffset = 0;
        optRecordOffset = optRecordLength = 0;
        result = parse(b, off, length);
        if ((result == ERR_NOTIMP || result == ERR_FORMERR) && !hasEdns) {
            findOpt(b, off, length);
        }
        return result;
    }

    /**
     * RFC 6891 7: the NOTIMP or FORMERR reply to a query that carried an OPT carries one too, so the
     * OPT is looked for even where {@link #parse} stopped early (unknown opcode, bad section counts):
     * records are walked after the first question, whatever the counts say, up to the first
     * well-formed root-owned OPT. A malformed OPT is not found, and the reply then has none (RFC 6891 7).
     */
    private void findOpt(final DirectBuffer b, final int off, final int length) {
        final int limit = off + length;
        int pos = off + DnsHeader.LENGTH;
        if (length < DnsHeader.LENGTH || DnsHeader.qdcount(b, off) == 0 ||
                (pos = Records.skipQuestion(b, off, pos, limit)) < 0) {
            return;
        }
        while (pos < limit) {
            final int nameEnd = Names.skip(b, off, pos, limit);
            final int end = nameEnd < 0 ? -1 : Records.recordEnd(b, nameEnd, limit);
            if (end < 0) {
                return;
            }
            final int rdOff = nameEnd + Records.FIXED_LENGTH;
            if (nameEnd == pos + 1 && (b.getShort(nameEnd, BE) & 0xFFFF) == Records.TYPE_OPT &&
                    Edns.validOptions(b, rdOff, end - rdOff)) {
                keepOpt(b, pos, nameEnd, end);
                return;
            }
            pos = end;
        }
    }

    /** The OPT record in {@code [pos, end)}, its root owner ending at {@code nameEnd}, becomes the query's EDNS facts. */
    private void keepOpt(final DirectBuffer b, final int pos, final int nameEnd, final int end) {
        hasEdns = true;
        ednsUdpSize = b.getShort(nameEnd + Records.CLASS_OFFSET, BE) & 0xFFFF;
        ednsClassOffset = nameEnd + Records.CLASS_OFFSET;
        ednsTtl = b.getInt(nameEnd + Records.TTL_OFFSET, BE);
        ednsOptionsOffset = nameEnd + Records.FIXED_LENGTH;
        ednsOptionsLength = end - ednsOptionsOffset;
        optRecordOffset = pos;
        optRecordLength = end - pos;
    }

    private int parse(final DirectBuffer b, final int off, final int length) {
        if (length < DnsHeader.LENGTH) {
            return ERR_SHORT;
        }
        flags = DnsHeader.flags(b, off);
        if ((flags & DnsHeader.QR) != 0) {
            return ERR_RESPONSE;
        }
        final int opcode = (flags & DnsHeader.OPCODE_MASK) >>> DnsHeader.OPCODE_SHIFT;
        if (opcode != DnsHeader.OPCODE_QUERY && opcode != DnsHeader.OPCODE_NOTIFY) {
            return ERR_NOTIMP;
        }
        final int an = DnsHeader.ancount(b, off);
        final int ns = DnsHeader.nscount(b, off);
        final int ar = DnsHeader.arcount(b, off);
        if (DnsHeader.qdcount(b, off) != 1 || an > 1 || ns > 1 || ar > 2) {
            return ERR_FORMERR;
        }

        final int limit = off + length;
        final int nameOff = off + DnsHeader.LENGTH;
        final int nameLen = Names.uncompressedLength(b, nameOff, limit);
        if (nameLen < 0 || nameOff + nameLen + 4 > limit) {
            return ERR_FORMERR;
        }
        qnameOffset = nameOff;
        qnameLength = nameLen;
        qtype = b.getShort(nameOff + nameLen, BE) & 0xFFFF;
        qclass = b.getShort(nameOff + nameLen + 2, BE) & 0xFFFF;
        questionEnd = nameOff + nameLen + 4;
        qnameHash = Names.hashLowerCase(b, nameOff, nameLen);
        questionParsed = true;

        // Walk the other sections only to validate them and find the OPT (at most 4 records here).
        int pos = questionEnd;
        final int total = an + ns + ar;
        for (int i = 0; i < total; i++) {
            final int nameEnd = Names.skip(b, off, pos, limit);
            if (nameEnd < 0) {
                return ERR_FORMERR;
            }
            final int end = Records.recordEnd(b, nameEnd, limit);
            if (end < 0) {
                return ERR_FORMERR;
            }
            if ((b.getShort(nameEnd, BE) & 0xFFFF) == Records.TYPE_OPT) {
                // RFC 6891 6.1.1: one OPT, root-owned, in the additional section only.
                if (hasEdns || i < an + ns || nameEnd != pos + 1) {
                    return ERR_FORMERR;
                }
                final int rdOff = nameEnd + Records.FIXED_LENGTH;
                if (!Edns.validOptions(b, rdOff, end - rdOff)) {
                    return ERR_FORMERR;
                }
                keepOpt(b, pos, nameEnd, end);
            }
            pos = end;
        }
        // Trailing bytes after the last record are ignored, as miekg/dns does.
        return hasEdns && ednsVersion() != 0 ? ERR_BADVERS : OK;
    }

    /**
     * Lowers the advertised UDP size in the request's OPT record, in the buffer and in this view
     * (the bufsize plugin): upstreams and the truncation limit then see the new size. No-op without
     * EDNS or when the client already asked for less.
     */
    public void lowerUdpSize(final MutableDirectBuffer b, final int size) {
        if (hasEdns && ednsUdpSize > size) {
            b.putShort(ednsClassOffset, (short) size, BE);
            ednsUdpSize = size;
        }
    }

    /** The last {@link #wrap} result. */
    public int result() {
        return result;
    }

    public DirectBuffer buffer() {
        return buffer;
    }

    /** Offset of the message (its header) in {@link #buffer()}. */
    public int offset() {
        return offset;
    }

    public int length() {
        return length;
    }

    public int id() {
        return length >= DnsHeader.LENGTH ? DnsHeader.id(buffer, offset) : 0;
    }

    public int flags() {
        return flags;
    }

    public int opcode() {
        return (flags & DnsHeader.OPCODE_MASK) >>> DnsHeader.OPCODE_SHIFT;
    }

    public boolean rd() {
        return (flags & DnsHeader.RD) != 0;
    }

    public boolean cd() {
        return (flags & DnsHeader.CD) != 0;
    }

    /** True if the question was fully parsed, even if a later error occurred. */
    public boolean questionParsed() {
        return questionParsed;
    }

    public int qnameOffset() {
        return qnameOffset;
    }

    /** Wire length of the (uncompressed) QNAME including the root byte. */
    public int qnameLength() {
        return qnameLength;
    }

    public int qtype() {
        return qtype;
    }

    public int qclass() {
        return qclass;
    }

    /** Offset just after QCLASS. */
    public int questionEnd() {
        return questionEnd;
    }

    /** {@link Names#hashLowerCase} of the QNAME. */
    public int qnameHash() {
        return qnameHash;
    }

    public boolean hasEdns() {
        return hasEdns;
    }

    public boolean dnssecOk() {
        return hasEdns && (ednsTtl & Edns.DO) != 0;
    }

    /** UDP payload size as advertised (not clamped); 0 without EDNS. */
    public int ednsUdpSize() {
        return ednsUdpSize;
    }

    public int ednsVersion() {
        return (ednsTtl >>> 16) & 0xFF;
    }

    public int ednsExtendedRcode() {
        return ednsTtl >>> 24;
    }

    /** The 16-bit EDNS flags word (DO + Z). */
    public int ednsFlags() {
        return ednsTtl & 0xFFFF;
    }

    /** The raw OPT TTL field. */
    public int ednsTtl() {
        return ednsTtl;
    }

    public int ednsOptionsOffset() {
        return ednsOptionsOffset;
    }

    public int ednsOptionsLength() {
        return ednsOptionsLength;
    }

    /** Offset of the option with {@code code} (at its code field), or -1. */
    public int ednsOption(final int code) {
        return hasEdns ? Edns.findOption(buffer, ednsOptionsOffset, ednsOptionsLength, code) : -1;
    }

    public int optRecordOffset() {
        return optRecordOffset;
    }

    public int optRecordLength() {
        return optRecordLength;
    }

    /** Debug form; allocates. */
    @Override
    public String toString() {
        return "QueryView{result=" + result + ", id=" + id() + ", flags=0x" + Integer.toHexString(flags) +
                (questionParsed
                        ? ", q=" + Names.toString(buffer, qnameOffset, qnameLength) + " " + qtype + "/" + qclass
                        : "")
                + (hasEdns
                        ? ", edns{udp=" + ednsUdpSize + ", v=" + ednsVersion() + ", do=" + dnssecOk() +
                                ", opts=" + ednsOptionsLength + "}"
                        : "")
                + '}';
    }
}
