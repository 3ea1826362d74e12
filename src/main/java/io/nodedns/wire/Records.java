package io.nodedns.wire;

import java.nio.ByteOrder;

import org.agrona.DirectBuffer;
import org.agrona.MutableDirectBuffer;

/**
 * Static helpers for question entries and resource records (RFC 1035 4.1.2, 4.1.3). Allocation-free;
 * errors are negative: a {@code Names.ERR_*} for a bad name, or {@link #ERR_TRUNCATED}.
 */
public final class Records {
    /** Fixed fields or RDATA run past the end of the message. */
    public static final int ERR_TRUNCATED = -9;
    /** Message shorter than the 12-byte header. */
    public static final int ERR_HEADER = -10;

    /** TYPE, CLASS, TTL, RDLENGTH after the owner name. */
    public static final int FIXED_LENGTH = 10;
    public static final int TYPE_OFFSET = 0;
    public static final int CLASS_OFFSET = 2;
    public static final int TTL_OFFSET = 4;
    public static final int RDLENGTH_OFFSET = 8;

    public static final int TYPE_A = 1;
    public static final int TYPE_NS = 2;
    public static final int TYPE_CNAME = 5;
    public static final int TYPE_SOA = 6;
    public static final int TYPE_MB = 7;
    public static final int TYPE_MG = 8;
    public static final int TYPE_MR = 9;
    public static final int TYPE_PTR = 12;
    public static final int TYPE_HINFO = 13;
    public static final int TYPE_MINFO = 14;
    public static final int TYPE_MX = 15;
    public static final int TYPE_TXT = 16;
    public static final int TYPE_RP = 17;
    public static final int TYPE_AFSDB = 18;
    public static final int TYPE_RT = 21;
    public static final int TYPE_AAAA = 28;
    public static final int TYPE_SRV = 33;
    public static final int TYPE_NAPTR = 35;
    public static final int TYPE_KX = 36;
    public static final int TYPE_DNAME = 39;
    /** The EDNS pseudo-record (RFC 6891); its layout is in {@link Edns}. */
    public static final int TYPE_OPT = 41;
    public static final int TYPE_DS = 43;
    public static final int TYPE_RRSIG = 46;
    public static final int TYPE_NSEC = 47;
    public static final int TYPE_DNSKEY = 48;
    public static final int TYPE_NSEC3 = 50;
    public static final int TYPE_HTTPS = 65;
    public static final int TYPE_TSIG = 250;
    public static final int TYPE_IXFR = 251;
    public static final int TYPE_AXFR = 252;
    public static final int TYPE_ANY = 255;

    public static final int CLASS_IN = 1;
    public static final int CLASS_CS = 2;
    public static final int CLASS_CH = 3;
    public static final int CLASS_HS = 4;
    public static final int CLASS_NONE = 254;
    public static final int CLASS_ANY = 255;

    private static final ByteOrder BE = ByteOrder.BIG_ENDIAN;

    private Records() {}

    /**
     * Whether {@code qtype} asks for a zone transfer (AXFR or IXFR, RFC 5936, RFC 1995): the plugins
     * that answer, rewrite or cache single answers leave those alone.
     */
    public static boolean isZoneTransfer(final int qtype) {
        return qtype == TYPE_AXFR || qtype == TYPE_IXFR;
    }

    /** Skips a question entry (name, QTYPE, QCLASS); the name may be compressed. Returns its end or negative. */
    public static int skipQuestion(final DirectBuffer b, final int msgStart, final int off, final int limit) {
        final int nameEnd = Names.skip(b, msgStart, off, limit);
        if (nameEnd < 0) {
            return nameEnd;
        }
        return nameEnd + 4 <= limit ? nameEnd + 4 : ERR_TRUNCATED;
    }

    /** Skips a whole resource record. Returns its end or negative. */
    public static int skipRecord(final DirectBuffer b, final int msgStart, final int off, final int limit) {
        final int nameEnd = Names.skip(b, msgStart, off, limit);
        if (nameEnd < 0) {
            return nameEnd;
        }
        return recordEnd(b, nameEnd, limit);
    }

    /** End of a record whose owner name ends at {@code nameEnd}, or {@link #ERR_TRUNCATED}. */
    public static int recordEnd(final DirectBuffer b, final int nameEnd, final int limit) {
        if (nameEnd + FIXED_LENGTH > limit) {
            return ERR_TRUNCATED;
        }
        final int end = nameEnd + FIXED_LENGTH + (b.getShort(nameEnd + RDLENGTH_OFFSET, BE) & 0xFFFF);
        return end <= limit ? end : ERR_TRUNCATED;
    }

    /** Skips {@code count} questions from {@code off}; returns the end or negative. */
    public static int skipQuestions(
            final DirectBuffer b, final int msgStart, final int off, final int limit, final int count) {
        int pos = off;
        for (int i = 0; i < count && pos >= 0; i++) {
            pos = skipQuestion(b, msgStart, pos, limit);
        }
        return pos;
    }

    /**
     * Highest compression-pointer target among the record's names: the owner and the RDATA names of
     * the types RFC 3597 4 lets a compressor touch (NS, CNAME, SOA, PTR, MX, ...; plus SRV and DNAME,
     * which some servers compress anyway). -1 if none; {@link Integer#MAX_VALUE} if malformed.
     */
    public static int maxPointerTarget(
            final DirectBuffer b, final int msgStart, final int off, final int nameEnd, final int recordEnd) {
        int max = namePointerTarget(b, msgStart, off, nameEnd);
        final int type = b.getShort(nameEnd + TYPE_OFFSET, BE) & 0xFFFF;
        final int rdata = nameEnd + FIXED_LENGTH;
        switch (type) {
            case TYPE_NS, TYPE_CNAME, TYPE_MB, TYPE_MG, TYPE_MR, TYPE_PTR, TYPE_DNAME ->
                max = Math.max(max, namePointerTarget(b, msgStart, rdata, recordEnd));
            case TYPE_MX, TYPE_AFSDB, TYPE_RT, TYPE_KX ->
                max = Math.max(max, namePointerTarget(b, msgStart, rdata + 2, recordEnd));
            case TYPE_SRV -> max = Math.max(max, namePointerTarget(b, msgStart, rdata + 6, recordEnd));
            case TYPE_SOA, TYPE_MINFO, TYPE_RP -> {
                max = Math.max(max, namePointerTarget(b, msgStart, rdata, recordEnd));
                final int second = Names.skip(b, msgStart, rdata, recordEnd);
                max = second < 0 ? Integer.MAX_VALUE : Math.max(max, namePointerTarget(b, msgStart, second, recordEnd));
            }
            default ->
                {
                }
        }
        return max;
    }

    /**
     * The highest offset any compression pointer of the name at {@code off} targets, or -1 if it
     * has none, or {@link Integer#MAX_VALUE} if malformed (so that a "target below the cut" check
     * fails safe). Used to make sure a record kept after truncation does not point into dropped bytes.
     */
    public static int namePointerTarget(final DirectBuffer b, final int msgStart, final int off, final int limit) {
        int pos = off;
        int max = -1;
        int hops = 0;
        while (true) {
            if (pos >= limit) {
                return Integer.MAX_VALUE;
            }
            final int len = b.getByte(pos) & 0xFF;
            if (len == 0) {
                return max;
            }
            final int kind = len & 0xC0;
            if (kind == 0) {
                pos += len + 1;
            } else if (kind == 0xC0 && pos + 1 < limit && ++hops <= Names.MAX_POINTER_HOPS) {
                pos = msgStart + (((len & 0x3F) << 8) | (b.getByte(pos + 1) & 0xFF));
                max = Math.max(max, pos);
            } else {
                return Integer.MAX_VALUE;
            }
        }
    }

    /** memmove within one buffer: correct for overlapping ranges whatever the buffer implementation does. */
    public static void move(final MutableDirectBuffer b, final int src, final int dst, final int len) {
        if (src == dst || len <= 0) {
            return;
        }
        if (dst < src) {
            int i = 0;
            for (; i + 8 <= len; i += 8) {
                b.putLong(dst + i, b.getLong(src + i, BE), BE);
            }
            for (; i < len; i++) {
                b.putByte(dst + i, b.getByte(src + i));
            }
        } else {
            int i = len;
            for (; i >= 8; i -= 8) {
                b.putLong(dst + i - 8, b.getLong(src + i - 8, BE), BE);
            }
            for (; i > 0; i--) {
                b.putByte(dst + i - 1, b.getByte(src + i - 1));
            }
        }
    }
}
