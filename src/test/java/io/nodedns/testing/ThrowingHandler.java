package io.nodedns.testing;

import io.nodedns.server.ChainHandler;
import io.nodedns.server.Exchange;

/** A plugin whose handler always throws: how the errors and debug tests make a handler fail. */
public final class ThrowingHandler extends ChainHandler {
    public ThrowingHandler() {
        super("thrower");
    }

    @Override
    public int serve(Exchange ex) {
        throw new IllegalStateException("boom");
    }
}
