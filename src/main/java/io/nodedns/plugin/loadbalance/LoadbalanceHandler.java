package io.nodedns.plugin.loadbalance;

import io.nodedns.server.Exchange;
import io.nodedns.server.HookHandler;
import io.nodedns.server.ScratchPool;
import io.nodedns.wire.DnsHeader;
import io.nodedns.wire.Records;

/**
 * The loadbalance handler (CoreDNS plugin/loadbalance): passes every query on and, as a response hook, shuffles
 * NOERROR replies that are not zone transfers (round_robin), or moves one address chosen by weight to the top (weighted). Hooks run on whichever thread completes the
 * exchange (UDP loops, TCP virtual threads), so shufflers, each with its scratch buffers and
 * random state, are borrowed from a {@link ScratchPool} instead of being shared.
 */
public final class LoadbalanceHandler extends HookHandler {
    private final PreferredSubnets prefer;
    /** The weighted policy's file, or null for round_robin. */
    private final WeightFile weights;
    private final ScratchPool<RecordShuffler> shufflers = new ScratchPool<>(
            () -> new RecordShuffler(System.nanoTime() ^ Thread.currentThread().threadId() * 0x9E3779B97F4A7C15L));

    LoadbalanceHandler(PreferredSubnets prefer, WeightFile weights) {
        super("loadbalance");
        this.prefer = prefer;
        this.weights = weights;
    }

    @Override
    public void onResponse(Exchange ex) {
        int length = ex.responseLength();
        if (length < DnsHeader.LENGTH || DnsHeader.rcode(ex.response(), 0) != DnsHeader.RCODE_NOERROR) {
            return;
        }
        int qtype = ex.query().qtype();
        if (Records.isZoneTransfer(qtype)) {
            return;
        }
        RecordShuffler shuffler = shufflers.borrow();
        try {
            if (weights == null) {
                shuffler.shuffle(ex.response(), length, prefer);
            } else {
                boolean pick = qtype == Records.TYPE_A || qtype == Records.TYPE_AAAA || qtype == Records.TYPE_SRV;
                shuffler.weighted(ex.response(), length, weights.table(), pick, prefer);
            }
        } finally {
            shufflers.giveBack(shuffler);
        }
    }
}
