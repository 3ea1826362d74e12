package io.nodedns.plugin.any;

import io.nodedns.server.ChainHandler;
import io.nodedns.server.Exchange;
import io.nodedns.server.Result;
import io.nodedns.wire.AnswerWriter;
import io.nodedns.wire.DnsHeader;
import io.nodedns.wire.QueryView;
import io.nodedns.wire.Records;
import java.nio.charset.StandardCharsets;
import org.agrona.ExpandableDirectByteBuffer;

/**
 * Answers every ANY query with one synthesised HINFO record, RFC 8482 section 4.2, as CoreDNS's
 * plugin/any does: owner the question name, class IN, TTL 8482, CPU "ANY obsoleted", OS "See RFC
 * 8482". Other query types go to the next plugin.
 */
final class AnyHandler extends ChainHandler {
    static final int TTL = 8482;
    private static final byte[] CPU = "ANY obsoleted".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] OS = "See RFC 8482".getBytes(StandardCharsets.US_ASCII);

    AnyHandler() {
        super("any");
    }

    @Override
    public int serve(Exchange ex) {
        QueryView q = ex.query();
        if (q.qtype() != Records.TYPE_ANY) {
            return next(ex);
        }
        ExpandableDirectByteBuffer out = ex.response();
        int pos = AnswerWriter.begin(q, ex.request(), out, 0, DnsHeader.RCODE_NOERROR);
        int rdata = AnswerWriter.record(out, pos, Records.TYPE_HINFO, Records.CLASS_IN, TTL);
        pos = AnswerWriter.end(out, rdata, AnswerWriter.characterString(out,
                AnswerWriter.characterString(out, rdata, CPU), OS));
        AnswerWriter.count(out, 1, 1);
        ex.written(pos, "any");
        return Result.WRITTEN;
    }
}
