package io.nodedns.plugin.header;

import io.nodedns.server.ChainHandler;
import io.nodedns.server.Exchange;
import io.nodedns.server.ResponseHook;
import io.nodedns.wire.DnsHeader;
import io.nodedns.wire.QueryView;
import org.agrona.MutableDirectBuffer;

/**
 * Sets and clears AA, RA and RD (CoreDNS plugin/header): query rules change the request before the
 * next plugin sees it (and so what is forwarded), response rules the reply on its way out.
 */
final class HeaderHandler extends ChainHandler implements ResponseHook {
    private final HeaderConfig config;

    HeaderHandler(HeaderConfig config) {
        super("header");
        this.config = config;
    }

    @Override
    public int serve(Exchange ex) {
        if (config.hasQueryRules()) {
            QueryView q = ex.query();
            MutableDirectBuffer req = ex.request();
            int flags = DnsHeader.flags(req, q.offset());
            int changed = HeaderConfig.apply(flags, config.querySet(), config.queryClear());
            if (changed != flags) {
                DnsHeader.flags(req, q.offset(), changed);
                q.wrap(req, q.offset(), ex.requestLength()); // the view caches the flags: read them again
            }
        }
        if (config.hasResponseRules()) {
            ex.addHook(this);
        }
        return next(ex);
    }

    @Override
    public void onResponse(Exchange ex) {
        if (ex.responseLength() < DnsHeader.LENGTH) {
            return;
        }
        MutableDirectBuffer out = ex.response();
        DnsHeader.flags(out, 0,
                HeaderConfig.apply(DnsHeader.flags(out, 0), config.responseSet(), config.responseClear()));
    }
}
