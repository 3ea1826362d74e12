package io.nodedns.server;

import io.nodedns.wire.DnsHeader;
import io.nodedns.wire.QueryView;
import io.nodedns.wire.Records;
import io.nodedns.wire.ReplyWriter;
import io.nodedns.wire.ResponseShaper;
import org.agrona.ExpandableDirectByteBuffer;

/**
 * The path every query takes once a transport has read it (docs/architecture.md, How a query
 * flows): header checks, class
 * check, zone routing, the chain, then hooks, EDNS shaping and truncation. Shared by UDP and TCP;
 * allocation-free unless a plugin allocates.
 */
public final class QueryProcessor {

    private QueryProcessor() {}

    /**
     * Handles the exchange's request. Returns false if the packet is to be dropped without reply
     * (too short, or a response); otherwise the exchange is (or will be) completed and handed to
     * its responder.
     */
    public static boolean process(Exchange ex) {
        QueryView q = ex.query();
        int parsed = q.wrap(ex.request(), 0, ex.requestLength());
        if (ex.oversized() && parsed != QueryView.ERR_SHORT && parsed != QueryView.ERR_RESPONSE) {
            parsed = QueryView.ERR_FORMERR; // cut by the receive slot: what we have is not the whole message
        }
        ExpandableDirectByteBuffer out = ex.response();
        switch (parsed) {
            case QueryView.OK :
                break;
            case QueryView.ERR_SHORT :
            case QueryView.ERR_RESPONSE :
                return false;
            case QueryView.ERR_NOTIMP :
                return sendDirect(ex,
                        ReplyWriter.writeHeaderError(q, ex.request(), out, 0, out.capacity(), DnsHeader.RCODE_NOTIMP));
            case QueryView.ERR_BADVERS :
                return sendDirect(ex, ReplyWriter.writeBadVers(q, ex.request(), out, 0, out.capacity()));
            default :
                return sendDirect(ex,
                        ReplyWriter.writeHeaderError(q, ex.request(), out, 0, out.capacity(), DnsHeader.RCODE_FORMERR));
        }
        ZoneTable routes = ex.listener().routes();
        if (q.qclass() != Records.CLASS_IN && !routes.allowsAnyClass()) {
            return finishRejected(ex, DnsHeader.RCODE_REFUSED);
        }
        ServerConfig config = routes.find(ex.request(), q.qnameOffset(), q.qnameLength(), q.qtype() == Records.TYPE_DS);
        if (config == null || config.head() == null) {
            return finishRejected(ex, DnsHeader.RCODE_REFUSED);
        }
        ex.config(config);
        int result;
        try {
            result = config.head().serve(ex);
        } catch (RuntimeException | StackOverflowError e) {
            // CoreDNS recovers plugin panics with SERVFAIL; a bug must never kill a loop.
            ex.panicked("plugin panic: ", e);
            result = DnsHeader.RCODE_SERVFAIL;
        }
        if (result != Result.PENDING) {
            finish(ex, result);
        }
        return true;
    }

    /** Rejected before the chain (no zone, wrong class): counted with zone "dropped". */
    private static boolean finishRejected(Exchange ex, int rcode) {
        QueryView q = ex.query();
        ExpandableDirectByteBuffer out = ex.response();
        int length = ReplyWriter.writeRcode(q, ex.request(), out, 0, out.capacity(), rcode);
        ex.responseLength(Math.max(0, length));
        ex.listener().countDropped(ex, rcode);
        return sendDirect(ex, length);
    }

    private static boolean sendDirect(Exchange ex, int length) {
        if (!ex.markCompleted()) {
            return true;
        }
        ex.responseLength(Math.max(0, length));
        ex.responder().respond(ex);
        return true;
    }

    /** Runs hooks, shapes the reply for the client and sends it. {@code result} is WRITTEN or an rcode. */
    static void finish(Exchange ex, int result) {
        if (!ex.markCompleted()) {
            return;
        }
        if (result == Result.DROP) {
            ex.responseLength(0); // UDP sends nothing, TCP writes nothing and waits for the next query
            ex.responder().respond(ex);
            return;
        }
        QueryView q = ex.query();
        ExpandableDirectByteBuffer out = ex.response();
        if (result != Result.WRITTEN || ex.responseLength() <= 0) {
            int rcode = result >= 0 ? result : DnsHeader.RCODE_SERVFAIL;
            ex.responseLength(Math.max(0, ReplyWriter.writeRcode(q, ex.request(), out, 0, out.capacity(), rcode)));
        }
        ex.runHooks();
        int limit = ex.transport() == Transport.TCP ? Exchange.MAX_MESSAGE : ResponseShaper.effectiveUdpSize(q);
        int length = ex.responseLength();
        if (length > 0 && length <= out.capacity()) {
            ensureCapacity(out, length + 64);
            int shaped = ResponseShaper.shape(q, ex.request(), out, 0, length, out.capacity(), limit);
            if (shaped < 0) {
                shaped = ReplyWriter.writeRcode(q, ex.request(), out, 0, out.capacity(), DnsHeader.RCODE_SERVFAIL);
            }
            DnsHeader.id(out, 0, q.id());
            ex.responseLength(Math.max(0, shaped));
        }
        ex.responder().respond(ex);
    }

    private static void ensureCapacity(ExpandableDirectByteBuffer buffer, int capacity) {
        if (buffer.capacity() < capacity) {
            buffer.checkLimit(capacity);
        }
    }
}
