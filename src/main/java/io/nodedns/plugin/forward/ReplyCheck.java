package io.nodedns.plugin.forward;

import io.nodedns.server.Exchange;
import io.nodedns.wire.DnsHeader;
import io.nodedns.wire.Names;
import io.nodedns.wire.QueryView;
import io.nodedns.wire.RecordWalker;
import java.nio.ByteOrder;
import org.agrona.DirectBuffer;

/**
 * Whether an upstream datagram is the reply to a query (CoreDNS's request.Match plus RFC 5452):
 * a response with the query's opcode (RFC 1035 4.1.1: "copied into the response"), with
 * exactly one question equal to the client's (name ignoring ASCII case, type, class) and records
 * that all parse. The ID and the socket are checked by the caller.
 * Allocation-free.
 */
final class ReplyCheck {
    static final int OK = 0;
    static final int SHORT = -1;
    static final int NOT_RESPONSE = -2;
    static final int QUESTION = -3;
    static final int MALFORMED = -4;
    static final int OPCODE = -5;

    private ReplyCheck() {}

    static int check(DirectBuffer reply, int length, Exchange ex, RecordWalker walker) {
        int r = question(reply, length, ex);
        if (r != OK) {
            return r;
        }
        if (walker.wrap(reply, 0, length) < 0) {
            return MALFORMED;
        }
        while (walker.next()) {
            // validate every record
        }
        return walker.error() == 0 ? OK : MALFORMED;
    }

    /**
     * The header and question part of {@link #check}, for a reply cut by the receive buffer: it is
     * ours if this part matches (the records are then asked for again over TCP).
     */
    static int question(DirectBuffer reply, int length, Exchange ex) {
        if (length < DnsHeader.LENGTH) {
            return SHORT;
        }
        if (!DnsHeader.flag(reply, 0, DnsHeader.QR)) {
            return NOT_RESPONSE;
        }
        if (DnsHeader.opcode(reply, 0) != DnsHeader.opcode(ex.request(), 0)) {
            return OPCODE;
        }
        if (DnsHeader.qdcount(reply, 0) != 1) {
            return QUESTION;
        }
        QueryView q = ex.query();
        int nameEnd = Names.skip(reply, 0, DnsHeader.LENGTH, length);
        if (nameEnd < 0 || nameEnd + 4 > length) {
            return MALFORMED;
        }
        if (!Names.equalsIgnoreCase(reply, 0, DnsHeader.LENGTH, length, ex.request(), q.qnameOffset(), q.qnameLength())
                || (reply.getShort(nameEnd, ByteOrder.BIG_ENDIAN) & 0xFFFF) != q.qtype()
                || (reply.getShort(nameEnd + 2, ByteOrder.BIG_ENDIAN) & 0xFFFF) != q.qclass()) {
            return QUESTION;
        }
        return OK;
    }
}
