package io.nodedns.server;

/**
 * A handler that passes every query on and sees its reply (errors, debug): registers itself as
 * the query's hook on the way down, like CoreDNS's plugins that wrap the ResponseWriter.
 */
public abstract class ReplyWatcher extends ChainHandler implements ResponseHook {
    private final String name;

    protected ReplyWatcher(String name) {
        this.name = name;
    }

    @Override
    public final String name() {
        return name;
    }

    @Override
    public int serve(Exchange ex) {
        ex.addHook(this);
        return next(ex);
    }
}
