package io.nodedns.wire;

import java.nio.ByteOrder;

import org.agrona.DirectBuffer;
import org.agrona.MutableDirectBuffer;

/**
 * Gives a reply the client's spelling of its question name (RFC 4343 4.1: the question and the
 * owner names equal to it are returned with the case the query used), in place and without
 * allocating. Resolvers that randomise the case of their queries (unbound's use-caps-for-id, the
 * "0x20" check) drop replies that spell the name otherwise, and upstreams may answer in lower case.
 * <p>
 * Only letters change: the names are equal ignoring ASCII case, so their labels have the same
 * lengths and no byte moves. Labels reached through a compression pointer are rewritten where they
 * are stored, so names that point there follow.
 */
public final class ClientCase {
    private ClientCase() {}

    /**
     * Writes the client's name bytes over the reply's question name and over every record owner
     * equal to it (any case, compressed or not). The reply starts at offset 0 of {@code reply}.
     *
     * @return how many owner names needed bytes of their own (not just a pointer to the question at
     * offset 12), so a cached copy knows whether a later client's question bytes suffice; -1 if the
     * reply's first question is not the client's name.
     */
    public static int restore(
            final MutableDirectBuffer reply, final int length, final DirectBuffer req, final int qnameOff,
            final int qnameLen) {
        if (length < DnsHeader.LENGTH + qnameLen || DnsHeader.qdcount(reply, 0) == 0 ||
                !Names.copyCaseIfEqual(reply, 0, DnsHeader.LENGTH, length, req, qnameOff, qnameLen)) {
            return -1;
        }
        int pos = Records.skipQuestions(reply, 0, DnsHeader.LENGTH, length, DnsHeader.qdcount(reply, 0));
        final int total = DnsHeader.ancount(reply, 0) + DnsHeader.nscount(reply, 0) + DnsHeader.arcount(reply, 0);
        int own = 0;
        for (int i = 0; i < total && pos >= 0; i++) {
            final int nameEnd = Names.skip(reply, 0, pos, length);
            if (nameEnd < 0) {
                break;
            }
            final boolean toQuestion = nameEnd == pos + 2
                    && (reply.getShort(pos, ByteOrder.BIG_ENDIAN) & 0xFFFF) == (0xC000 | DnsHeader.LENGTH);
            if (!toQuestion && Names.copyCaseIfEqual(reply, 0, pos, length, req, qnameOff, qnameLen)) {
                own++;
            }
            pos = Records.recordEnd(reply, nameEnd, length);
        }
        return own;
    }
}
