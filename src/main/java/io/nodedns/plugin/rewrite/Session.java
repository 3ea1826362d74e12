package io.nodedns.plugin.rewrite;

import io.nodedns.server.Exchange;
import io.nodedns.server.ScratchPool;
import io.nodedns.wire.DnsHeader;
import io.nodedns.wire.QueryView;
import org.agrona.DirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;

/**
 * The working state while the rules look at one query: the exchange, the lower-case qname text
 * (built only when a non-exact rule asks), and temporary buffers. Borrowed from {@link #POOL} for
 * the rules' pass over the request (a nested self-lookup borrows its own), then given back.
 */
final class Session {
    static final ScratchPool<Session> POOL = new ScratchPool<>(Session::new);

    final Text name = new Text(512);
    final Text out = new Text(512);
    final UnsafeBuffer wire = new UnsafeBuffer(new byte[512]);
    final UnsafeBuffer data = new UnsafeBuffer(new byte[512]);
    Exchange ex;
    private int maxEntries;
    private boolean nameCurrent;
    private boolean touched;

    static Session begin(Exchange ex, int maxEntries) {
        Session s = POOL.borrow();
        s.ex = ex;
        s.maxEntries = maxEntries;
        s.nameCurrent = false;
        s.touched = false;
        return s;
    }

    QueryView query() {
        return ex.query();
    }

    /** The current qname as lower-case presentation text. */
    Text nameText() {
        if (!nameCurrent) {
            WireText.toLowerText(ex.request(), DnsHeader.LENGTH, name);
            nameCurrent = true;
        }
        return name;
    }

    /** Saves the client's request before the first change (idempotent per query). */
    void touch() {
        if (!touched) {
            ExchangeState.begin(ex.scratch(), ex.request(), ex.requestLength(), maxEntries);
            touched = true;
        }
    }

    boolean touched() {
        return touched;
    }

    /** Gives this session back once the rules are done with the request. */
    void end() {
        ex = null;
        POOL.giveBack(this);
    }

    void nameChanged() {
        nameCurrent = false;
    }

    /** Records that rule {@code index} acts on the reply, with aux bytes (may be empty). */
    void entry(int index, DirectBuffer aux, int off, int len) {
        touch();
        int at = len > 0 ? ExchangeState.addAux(ex.scratch(), aux, off, len) : 0;
        ExchangeState.addEntry(ex.scratch(), index, at, len);
    }
}
