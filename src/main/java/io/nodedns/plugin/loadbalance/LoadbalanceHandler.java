package io.nodedns.plugin.loadbalance;

import io.nodedns.server.Exchange;
import io.nodedns.server.HookHandler;
import io.nodedns.wire.DnsHeader;
import java.util.concurrent.atomic.AtomicReferenceArray;

/**
 * The loadbalance handler (CoreDNS plugin/loadbalance): passes every query on and, as a response hook, shuffles
 * NOERROR replies that are not zone transfers. Hooks run on whichever thread completes the
 * exchange (UDP loops, TCP virtual threads), so shufflers, each with its scratch buffers and
 * random state, are borrowed from a small lock-free pool instead of being shared.
 */
public final class LoadbalanceHandler extends HookHandler {
    private static final int TYPE_IXFR = 251;
    private static final int TYPE_AXFR = 252;
    private static final int POOL_SIZE = 64;

    private final PreferredSubnets prefer;
    private final AtomicReferenceArray<RecordShuffler> pool = new AtomicReferenceArray<>(POOL_SIZE);

    LoadbalanceHandler(PreferredSubnets prefer) {
        super("loadbalance");
        this.prefer = prefer;
    }

    @Override
    public void onResponse(Exchange ex) {
        int length = ex.responseLength();
        if (length < DnsHeader.LENGTH || DnsHeader.rcode(ex.response(), 0) != DnsHeader.RCODE_NOERROR) {
            return;
        }
        int qtype = ex.query().qtype();
        if (qtype == TYPE_AXFR || qtype == TYPE_IXFR) {
            return;
        }
        RecordShuffler shuffler = borrow();
        try {
            shuffler.shuffle(ex.response(), length, prefer);
        } finally {
            giveBack(shuffler);
        }
    }

    private RecordShuffler borrow() {
        for (int i = 0; i < POOL_SIZE; i++) {
            RecordShuffler s = pool.get(i);
            if (s != null && pool.compareAndSet(i, s, null)) {
                return s;
            }
        }
        // More threads at once than shufflers so far: a new one (rare, and kept once given back).
        return new RecordShuffler(System.nanoTime() ^ Thread.currentThread().threadId() * 0x9E3779B97F4A7C15L);
    }

    private void giveBack(RecordShuffler s) {
        for (int i = 0; i < POOL_SIZE; i++) {
            if (pool.get(i) == null && pool.compareAndSet(i, null, s)) {
                return;
            }
        }
    }
}
