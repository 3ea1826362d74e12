package io.nodedns.server;

/**
 * A plugin that only sees replies (errors, log, loadbalance, prometheus): on the way down it
 * registers itself as the exchange's hook and passes the query on, like a CoreDNS plugin that
 * wraps the ResponseWriter and calls the next plugin. It implements {@link #onResponse}.
 */
public abstract class HookHandler extends ChainHandler implements ResponseHook {
    protected HookHandler(String name) {
        super(name);
    }

    @Override
    public final int serve(Exchange ex) {
        ex.addHook(this);
        return next(ex);
    }
}
