package io.nodedns.plugin.nsid;

import io.nodedns.server.ChainHandler;
import io.nodedns.server.Exchange;
import io.nodedns.server.ResponseHook;
import io.nodedns.wire.DnsHeader;
import io.nodedns.wire.Edns;
import io.nodedns.wire.QueryView;
import io.nodedns.wire.ReplyOpt;
import java.nio.ByteOrder;
import org.agrona.ExpandableDirectByteBuffer;

/**
 * RFC 5001 name server identifier: a query whose OPT carries the NSID option gets the configured
 * bytes in an NSID option of the reply's OPT (CoreDNS plugin/nsid). An NSID option already in the
 * reply (an upstream's) is replaced; a reply without OPT gets one. Queries without the option pass
 * through untouched.
 */
final class NsidHandler extends ChainHandler implements ResponseHook {
    private static final ByteOrder BE = ByteOrder.BIG_ENDIAN;
    private final byte[] data;

    NsidHandler(byte[] data) {
        super("nsid");
        this.data = data;
    }

    @Override
    public int serve(Exchange ex) {
        QueryView q = ex.query();
        if (q.hasEdns() && q.ednsOption(Edns.OPTION_NSID) >= 0) {
            ex.addHook(this);
        }
        return next(ex);
    }

    @Override
    public void onResponse(Exchange ex) {
        ExpandableDirectByteBuffer out = ex.response();
        int length = ex.responseLength();
        int opt = ReplyOpt.find(out, length);
        if (opt == ReplyOpt.MALFORMED || opt == ReplyOpt.NOT_LAST) {
            return; // nothing safe to edit: the reply goes out as it is
        }
        if (opt == ReplyOpt.NONE) {
            QueryView q = ex.query();
            // The shaper sets the client's UDP size and DO on it; a new OPT holds only the NSID.
            Edns.writeOpt(out, length, q.ednsUdpSize(), q.ednsTtl() & Edns.DO, 4 + data.length);
            writeOption(out, length + Edns.OPT_FIXED_LENGTH);
            DnsHeader.arcount(out, 0, DnsHeader.arcount(out, 0) + 1);
            ex.responseLength(length + Edns.OPT_FIXED_LENGTH + 4 + data.length);
            return;
        }
        int rdata = ReplyOpt.rdataOffset(out, opt);
        int rdLength = out.getShort(rdata - 2, BE) & 0xFFFF;
        int existing = Edns.findOption(out, rdata, rdLength, Edns.OPTION_NSID);
        int at;
        int delta;
        if (existing >= 0) {
            int oldTotal = 4 + (out.getShort(existing + 2, BE) & 0xFFFF);
            delta = 4 + data.length - oldTotal;
            io.nodedns.wire.Records.move(out, existing + oldTotal, existing + oldTotal + delta,
                    length - existing - oldTotal);
            at = existing;
        } else {
            delta = 4 + data.length;
            at = rdata + rdLength; // the OPT is the last record: the option goes at the end
        }
        writeOption(out, at);
        out.putShort(rdata - 2, (short) (rdLength + delta), BE);
        ex.responseLength(length + delta);
    }

    private void writeOption(ExpandableDirectByteBuffer out, int at) {
        out.putShort(at, (short) Edns.OPTION_NSID, BE);
        out.putShort(at + 2, (short) data.length, BE);
        out.putBytes(at + 4, data);
    }
}
