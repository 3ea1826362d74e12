package io.nodedns.plugin.bufsize;

import io.nodedns.server.ChainHandler;
import io.nodedns.server.Exchange;

/** Lowers the query's advertised UDP size in place (see {@link BufsizeSetup}); allocation-free. */
final class BufsizeHandler extends ChainHandler {
    private final int size;

    BufsizeHandler(int size) {
        super("bufsize");
        this.size = size;
    }

    @Override
    public int serve(Exchange ex) {
        ex.query().lowerUdpSize(ex.request(), size);
        return next(ex);
    }
}
