package io.nodedns.wire;

import java.nio.ByteOrder;

import org.agrona.DirectBuffer;

/**
 * Walks the resource records of a whole message (answer, authority, additional in order) without
 * allocating: for TTL patching, finding the OPT, truncation, rcode and section inspection.
 * Reusable; offsets are absolute offsets in the wrapped buffer.
 * <pre>
 *   if (walker.wrap(buf, off, len) < 0) ...;
 *   while (walker.next()) { ... walker.type(), walker.ttlOffset() ... }
 *   if (walker.error() != 0) ...;
 * </pre>
 */
public final class RecordWalker {
    public static final int SECTION_ANSWER = 1;
    public static final int SECTION_AUTHORITY = 2;
    public static final int SECTION_ADDITIONAL = 3;

    private static final ByteOrder BE = ByteOrder.BIG_ENDIAN;

    private DirectBuffer buffer;
    private int offset;
    private int limit;
    private int answerCount;
    private int authorityCount;
    private int additionalCount;
    private int questionEnd;
    private int position;
    private int index;
    private int error;
    private int wrapError;
    private int section;
    private int recordOffset;
    private int ownerEnd;
    private int recordEnd;

    /**
     * Positions before the first record after the question section(s).
     *
     * @return 0, or negative ({@link Records#ERR_HEADER}, a {@code Names.ERR_*}, {@link Records#ERR_TRUNCATED})
     * if the header or a question is malformed; {@link #error()} then holds the same code.
     */
    public int wrap(final DirectBuffer b, final int off, final int length) {
        buffer = b;
        offset = off;
        limit = off + length;
        index = section = recordOffset = ownerEnd = recordEnd = 0;
        answerCount = authorityCount = additionalCount = 0;
        if (length < DnsHeader.LENGTH) {
            questionEnd = position = off;
            return wrapError = error = Records.ERR_HEADER;
        }
        answerCount = DnsHeader.ancount(b, off);
        authorityCount = DnsHeader.nscount(b, off);
        additionalCount = DnsHeader.arcount(b, off);
        final int end = Records.skipQuestions(b, off, off + DnsHeader.LENGTH, limit, DnsHeader.qdcount(b, off));
        if (end < 0) {
            questionEnd = position = off + DnsHeader.LENGTH;
            return wrapError = error = end;
        }
        questionEnd = position = end;
        return wrapError = error = 0;
    }

    /** Back to before the first record (after a successful wrap). */
    public void rewind() {
        if (wrapError == 0) {
            position = questionEnd;
            index = 0;
            section = 0;
            error = 0;
        }
    }

    /** Advances to the next record; false at the end or on malformed data (then {@link #error()} != 0). */
    public boolean next() {
        if (error != 0 || index >= answerCount + authorityCount + additionalCount) {
            return false;
        }
        final int start = position;
        final int nameEnd = Names.skip(buffer, offset, start, limit);
        if (nameEnd < 0) {
            error = nameEnd;
            return false;
        }
        final int end = Records.recordEnd(buffer, nameEnd, limit);
        if (end < 0) {
            error = end;
            return false;
        }
        index++;
        section = index <= answerCount
                ? SECTION_ANSWER
                : index <= answerCount + authorityCount ? SECTION_AUTHORITY : SECTION_ADDITIONAL;
        recordOffset = start;
        ownerEnd = nameEnd;
        recordEnd = end;
        position = end;
        return true;
    }

    /** 0, or the negative code of the first malformation met. */
    public int error() {
        return error;
    }

    public DirectBuffer buffer() {
        return buffer;
    }

    public int messageOffset() {
        return offset;
    }

    public int answerCount() {
        return answerCount;
    }

    public int authorityCount() {
        return authorityCount;
    }

    public int additionalCount() {
        return additionalCount;
    }

    /** Offset just after the question section. */
    public int questionEnd() {
        return questionEnd;
    }

    /** 0-based index of the current record across all three sections. */
    public int index() {
        return index - 1;
    }

    /** 1 = answer, 2 = authority, 3 = additional. */
    public int section() {
        return section;
    }

    public int recordOffset() {
        return recordOffset;
    }

    /** Offset just after the current record. */
    public int recordEnd() {
        return recordEnd;
    }

    public int ownerOffset() {
        return recordOffset;
    }

    /** Offset just after the owner name as stored (2 bytes after a pointer). */
    public int ownerEnd() {
        return ownerEnd;
    }

    public int type() {
        return buffer.getShort(ownerEnd + Records.TYPE_OFFSET, BE) & 0xFFFF;
    }

    public int rrClass() {
        return buffer.getShort(ownerEnd + Records.CLASS_OFFSET, BE) & 0xFFFF;
    }

    public int ttlOffset() {
        return ownerEnd + Records.TTL_OFFSET;
    }

    /** The raw 32-bit TTL (for OPT: extended rcode, version, flags). */
    public int ttl() {
        return buffer.getInt(ownerEnd + Records.TTL_OFFSET, BE);
    }

    public int rdataOffset() {
        return ownerEnd + Records.FIXED_LENGTH;
    }

    public int rdataLength() {
        return recordEnd - ownerEnd - Records.FIXED_LENGTH;
    }

    /** Offset after the last record returned by {@link #next()} (the question end before the first). */
    public int position() {
        return position;
    }
}
