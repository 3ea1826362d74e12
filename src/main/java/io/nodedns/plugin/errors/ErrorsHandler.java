package io.nodedns.plugin.errors;

import io.nodedns.log.Log;
import io.nodedns.server.Exchange;
import io.nodedns.server.HookHandler;
import io.nodedns.wire.DnsHeader;
import io.nodedns.wire.Names;
import java.util.List;
import org.xbill.DNS.Type;

/**
 * Logs the errors inner plugins report (CoreDNS plugin/errors):
 * {@code [ERROR] plugin/errors: RCODE QNAME QTYPE: TEXT}, or counts them under a consolidate
 * pattern and prints one summary per period.
 */
public final class ErrorsHandler extends HookHandler {
    private final List<Consolidator> consolidators;

    ErrorsHandler(List<Consolidator> consolidators) {
        super("errors");
        this.consolidators = List.copyOf(consolidators);
    }

    @Override
    public void onResponse(Exchange ex) {
        String error = ex.error();
        if (error == null) {
            return;
        }
        for (Consolidator c : consolidators) {
            if (c.offer(error)) {
                return;
            }
        }
        int rcode = ex.responseLength() >= DnsHeader.LENGTH ? DnsHeader.rcode(ex.response(), 0) : 2;
        String qname = Names.toString(ex.request(), ex.query().qnameOffset(), ex.query().qnameLength()).toLowerCase(java.util.Locale.ROOT);
        Log.error("errors", rcode + " " + qname + " " + Type.string(ex.query().qtype()) + ": " + error);
    }

    List<Consolidator> consolidators() {
        return consolidators;
    }
}
