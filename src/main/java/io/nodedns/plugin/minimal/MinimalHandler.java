package io.nodedns.plugin.minimal;

import io.nodedns.server.Exchange;
import io.nodedns.server.HookHandler;
import io.nodedns.wire.DnsHeader;
import io.nodedns.wire.Names;
import io.nodedns.wire.Records;
import java.nio.ByteOrder;
import org.agrona.ExpandableDirectByteBuffer;

/**
 * Minimal responses (CoreDNS plugin/minimal): a positive reply loses its authority and additional
 * sections. Denials (NXDOMAIN, NODATA with an SOA), errors and delegations (NS in authority) pass
 * unchanged, as CoreDNS's response.Typify sorts them. The client's OPT is put back by the server.
 * Zone transfers are not touched.
 */
final class MinimalHandler extends HookHandler {
    private static final ByteOrder BE = ByteOrder.BIG_ENDIAN;

    MinimalHandler() {
        super("minimal");
    }

    @Override
    public void onResponse(Exchange ex) {
        ExpandableDirectByteBuffer out = ex.response();
        int length = ex.responseLength();
        if (length < DnsHeader.LENGTH || DnsHeader.rcode(out, 0) != DnsHeader.RCODE_NOERROR
                || Records.isZoneTransfer(ex.query().qtype())) {
            return;
        }
        int an = DnsHeader.ancount(out, 0);
        int ns = DnsHeader.nscount(out, 0);
        int ar = DnsHeader.arcount(out, 0);
        if (ns == 0 && ar == 0) {
            return;
        }
        int pos = Records.skipQuestions(out, 0, DnsHeader.LENGTH, length, DnsHeader.qdcount(out, 0));
        int answerEnd = -1;
        boolean soa = false;
        boolean delegation = false;
        for (int i = 0; i < an + ns + ar && pos >= 0; i++) {
            if (i == an) {
                answerEnd = pos;
            }
            int nameEnd = Names.skip(out, 0, pos, length);
            int end = nameEnd < 0 ? nameEnd : Records.recordEnd(out, nameEnd, length);
            if (end < 0) {
                return; // malformed: leave it to the shaper
            }
            int type = out.getShort(nameEnd + Records.TYPE_OFFSET, BE) & 0xFFFF;
            if (i >= an && i < an + ns) {
                soa |= type == Records.TYPE_SOA;
                delegation |= type == Records.TYPE_NS;
            }
            if (i >= an + ns && type == Records.TYPE_OPT && (out.getByte(nameEnd + Records.TTL_OFFSET) & 0xFF) != 0) {
                return; // an extended rcode (BADVERS, BADCOOKIE...): an error, not a positive answer
            }
            pos = end;
        }
        if (pos < 0 || (an == 0 && (soa || delegation))) {
            return; // NODATA and delegations keep their authority (CoreDNS's Typify)
        }
        DnsHeader.nscount(out, 0, 0);
        DnsHeader.arcount(out, 0, 0);
        ex.responseLength(answerEnd);
    }
}
