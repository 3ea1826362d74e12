package io.nodedns.testing;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.nodedns.server.Exchange;
import io.nodedns.server.Handler;
import java.lang.management.ManagementFactory;
import java.util.List;
import org.xbill.DNS.Message;

/** Bytes a handler allocates per query when called directly, as a UDP loop calls it. */
public final class ServeAllocations {
    private static final int CALLS = 100_000;

    private ServeAllocations() {}

    /** One exchange (4096-byte slots) per query, its question parsed as the loop does before the chain. */
    public static Exchange[] exchanges(List<Message> queries) {
        Exchange[] exchanges = new Exchange[queries.size()];
        for (int i = 0; i < exchanges.length; i++) {
            byte[] wire = queries.get(i).toWire();
            exchanges[i] = new Exchange(4096);
            exchanges[i].request().putBytes(0, wire);
            exchanges[i].requestLength(wire.length);
            assertEquals(0, exchanges[i].query().wrap(exchanges[i].request(), 0, wire.length));
        }
        return exchanges;
    }

    /**
     * Bytes this thread allocates per {@code handler.serve}, round-robin over {@code exchanges}:
     * the best of up to five windows of 100,000 calls (on until one is under 0.01), after as many to warm the JIT.
     */
    public static double perServe(Handler handler, Exchange[] exchanges) {
        var mx = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        long thread = Thread.currentThread().threadId();
        for (int i = 0; i < CALLS; i++) {
            handler.serve(exchanges[i % exchanges.length]); // warm-up: JIT
        }
        double best = Double.MAX_VALUE;
        for (int w = 0; w < 5 && best > 0.01; w++) {
            long before = mx.getThreadAllocatedBytes(thread);
            for (int i = 0; i < CALLS; i++) {
                handler.serve(exchanges[i % exchanges.length]);
            }
            best = Math.min(best, (mx.getThreadAllocatedBytes(thread) - before) / (double) CALLS);
        }
        return best;
    }
}
