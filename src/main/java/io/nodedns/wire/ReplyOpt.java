package io.nodedns.wire;

import java.nio.ByteOrder;
import org.agrona.DirectBuffer;

/** Finds a reply's OPT record for plugins that edit it in a response hook (nsid). Static, allocation-free. */
public final class ReplyOpt {
    /** The reply has no OPT. */
    public static final int NONE = -1;
    /** The reply is not a well-formed message. */
    public static final int MALFORMED = -2;
    /** The OPT is followed by other records (TSIG): growing it would move names others may point to. */
    public static final int NOT_LAST = -3;

    private static final ByteOrder BE = ByteOrder.BIG_ENDIAN;

    private ReplyOpt() {}

    /** Offset of the OPT record (its owner name) in the additional section, or a negative constant. */
    public static int find(final DirectBuffer b, final int length) {
        if (length < DnsHeader.LENGTH) {
            return MALFORMED;
        }
        int pos = Records.skipQuestions(b, 0, DnsHeader.LENGTH, length, DnsHeader.qdcount(b, 0));
        final int beforeAdditional = DnsHeader.ancount(b, 0) + DnsHeader.nscount(b, 0);
        final int total = beforeAdditional + DnsHeader.arcount(b, 0);
        for (int i = 0; i < total && pos >= 0; i++) {
            final int nameEnd = Names.skip(b, 0, pos, length);
            final int end = nameEnd < 0 ? nameEnd : Records.recordEnd(b, nameEnd, length);
            if (end < 0) {
                return MALFORMED;
            }
            if (i >= beforeAdditional && (b.getShort(nameEnd + Records.TYPE_OFFSET, BE) & 0xFFFF) == Records.TYPE_OPT) {
                return i == total - 1 && end == length ? pos : NOT_LAST;
            }
            pos = end;
        }
        return pos < 0 ? MALFORMED : NONE;
    }

    /** Offset of the RDATA (the options) of the OPT record at {@code opt}; its RDLENGTH is the two bytes before. */
    public static int rdataOffset(final DirectBuffer b, final int opt) {
        return Names.skip(b, 0, opt, b.capacity()) + Records.FIXED_LENGTH;
    }
}
