package io.nodedns.wire;

import java.nio.ByteOrder;
import org.agrona.DirectBuffer;
import org.agrona.MutableDirectBuffer;

/**
 * Replies a plugin writes itself (chaos, any, local): the header as miekg/dns SetReply makes it,
 * the question copied, then records owned by the question name through a compression pointer.
 * Static and allocation-free; the caller's buffer must be large enough (Agrona's expandable
 * buffers grow on write).
 */
public final class AnswerWriter {
    /** A compression pointer to the question name, which always starts at offset 12. */
    public static final int QNAME_POINTER = 0xC000 | DnsHeader.LENGTH;

    private static final ByteOrder BE = ByteOrder.BIG_ENDIAN;

    private AnswerWriter() {}

    /**
     * Header (ID, QR, opcode, RD/CD copied, {@code extraFlags}, {@code rcode}, one question, no
     * records) and the question; returns the offset after the question.
     */
    public static int begin(
            final QueryView q, final DirectBuffer req, final MutableDirectBuffer out, final int extraFlags,
            final int rcode) {
        final int flags = ReplyWriter.replyFlags(DnsHeader.flags(req, q.offset())) | extraFlags
                | (rcode & DnsHeader.RCODE_MASK);
        ReplyWriter.writeHeader(out, 0, q.id(), flags, 1, 0);
        final int questionLength = q.questionEnd() - q.qnameOffset();
        out.putBytes(DnsHeader.LENGTH, req, q.qnameOffset(), questionLength);
        return DnsHeader.LENGTH + questionLength;
    }

    /**
     * A record owned by the question name: pointer, type, class, TTL and a zero RDLENGTH; returns
     * where its RDATA starts. Finish it with {@link #end}.
     */
    public static int record(final MutableDirectBuffer out, final int pos, final int type, final int rrClass,
            final long ttl) {
        return record(out, pos, QNAME_POINTER, type, rrClass, ttl);
    }

    /** As {@link #record(MutableDirectBuffer, int, int, int, long)}, owned by the name a compression pointer points to. */
    public static int record(
            final MutableDirectBuffer out, final int pos, final int ownerPointer, final int type, final int rrClass,
            final long ttl) {
        out.putShort(pos, (short) ownerPointer, BE);
        out.putShort(pos + 2, (short) type, BE);
        out.putShort(pos + 4, (short) rrClass, BE);
        out.putInt(pos + 6, (int) ttl, BE);
        out.putShort(pos + 10, (short) 0, BE);
        return pos + 12;
    }

    /** Sets the RDLENGTH of the record whose RDATA runs from {@code rdata} to {@code end}; returns {@code end}. */
    public static int end(final MutableDirectBuffer out, final int rdata, final int end) {
        out.putShort(rdata - 2, (short) (end - rdata), BE);
        return end;
    }

    /** A TXT or HINFO character-string (length octet then at most 255 bytes); returns the offset after it. */
    public static int characterString(final MutableDirectBuffer out, final int pos, final byte[] text) {
        final int n = Math.min(255, text.length);
        out.putByte(pos, (byte) n);
        out.putBytes(pos + 1, text, 0, n);
        return pos + 1 + n;
    }

    /** Sets the count of records of {@code section} (1 answer, 2 authority, 3 additional). */
    public static void count(final MutableDirectBuffer out, final int section, final int n) {
        out.putShort(DnsHeader.QDCOUNT_OFFSET + 2 * section, (short) n, BE);
    }
}
