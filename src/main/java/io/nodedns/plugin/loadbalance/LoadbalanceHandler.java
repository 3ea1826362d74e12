package io.nodedns.plugin.loadbalance;

import io.nodedns.server.Exchange;
import io.nodedns.server.HookHandler;
import io.nodedns.server.ScratchPool;
import io.nodedns.wire.DnsHeader;
import io.nodedns.wire.Records;

/**
 * The loadbalance handler (CoreDNS plugin/loadbalance): passes every query on and, as a response hook, shuffles
 * NOERROR replies that are not zone transfers. Hooks run on whichever thread completes the
 * exchange (UDP loops, TCP virtual threads), so shufflers, each with its scratch buffers and
 * random state, are borrowed from a {@link ScratchPool} instead of being shared.
 */
public final class LoadbalanceHandler extends HookHandler {
    private final PreferredSubnets prefer;
    private final ScratchPool<RecordShuffler> shufflers = new ScratchPool<>(
            () -> new RecordShuffler(System.nanoTime() ^ Thread.currentThread().threadId() * 0x9E3779B97F4A7C15L));

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
        if (qtype == Records.TYPE_AXFR || qtype == Records.TYPE_IXFR) {
            return;
        }
        RecordShuffler shuffler = shufflers.borrow();
        try {
            shuffler.shuffle(ex.response(), length, prefer);
        } finally {
            shufflers.giveBack(shuffler);
        }
    }
}
