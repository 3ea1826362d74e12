package io.nodedns.server;

import io.nodedns.wire.DnsHeader;

/** Base for handlers that can pass a query on; the chain builder links {@link #next}. */
public abstract class ChainHandler implements Handler {
    private final String name;
    private Handler next;

    /** {@code name}: the plugin's directive, as {@link #name()} reports it. */
    protected ChainHandler(String name) {
        this.name = name;
    }

    @Override
    public final String name() {
        return name;
    }

    final void linkNext(Handler handler) {
        this.next = handler;
    }

    /** The next handler, or null at the end of the chain. */
    protected final Handler nextHandler() {
        return next;
    }

    /** Calls the next handler; at the end of the chain this is CoreDNS's "no next plugin" SERVFAIL. */
    protected final int next(Exchange ex) {
        Handler n = next;
        if (n == null) {
            ex.error("plugin/" + name() + ": no next plugin found");
            return DnsHeader.RCODE_SERVFAIL;
        }
        return n.serve(ex);
    }
}
