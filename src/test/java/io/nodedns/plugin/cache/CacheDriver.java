package io.nodedns.plugin.cache;

import io.nodedns.config.ConfigException;
import io.nodedns.server.Exchange;
import io.nodedns.server.Instance;
import io.nodedns.server.PluginRegistry;
import io.nodedns.server.Responder;
import io.nodedns.server.Result;
import io.nodedns.server.Transport;
import io.nodedns.testing.CacheUpstream;
import io.nodedns.testing.SetupErrors;
import java.nio.ByteOrder;
import java.util.concurrent.atomic.AtomicInteger;
import org.agrona.concurrent.UnsafeBuffer;

/**
 * Drives the cache handler directly, as QueryProcessor would (serve, then complete), on one
 * preallocated exchange: for allocation, capacity and concurrency tests. Queries are
 * {@code nNNNNNNN.example.org A}, rewritten in place so that making one allocates nothing.
 */
final class CacheDriver implements Responder {
    private static final AtomicInteger IDS = new AtomicInteger();
    private static final int DIGITS = 7;
    private static final int DIGITS_AT = 12 + 2;

    final CacheHandler plugin;
    final Exchange ex = new Exchange(4096);
    private final UnsafeBuffer query = new UnsafeBuffer(new byte[512]);
    private final int queryLength;
    private final Transport transport;
    int responded;

    CacheDriver(CacheHandler plugin, Transport transport) {
        this.plugin = plugin;
        this.transport = transport;
        query.putShort(2, (short) 0x0100, ByteOrder.BIG_ENDIAN);
        query.putShort(4, (short) 1, ByteOrder.BIG_ENDIAN);
        int pos = 12;
        query.putByte(pos++, (byte) (DIGITS + 1));
        query.putByte(pos++, (byte) 'n');
        pos += DIGITS;
        for (String label : new String[]{"example", "org"}) {
            query.putByte(pos++, (byte) label.length());
            for (char c : label.toCharArray()) {
                query.putByte(pos++, (byte) c);
            }
        }
        query.putByte(pos++, (byte) 0);
        query.putShort(pos, (short) 1, ByteOrder.BIG_ENDIAN);
        query.putShort(pos + 2, (short) 1, ByteOrder.BIG_ENDIAN);
        this.queryLength = pos + 4;
        name(0);
    }

    /** A chain {@code cache...; cacheupstream ID} built (not bound) from a Corefile, and its upstream. */
    static CacheHandler build(String cacheDirective, CacheClock clock, CacheUpstream[] upstreamOut)
            throws ConfigException {
        String id = "driver" + IDS.incrementAndGet();
        CacheUpstream up = CacheUpstream.create(id);
        upstreamOut[0] = up;
        PluginRegistry registry = CacheUpstream.registry(new CacheSetup(clock, p -> {}));
        String corefile = ".:53 {\n%s\ncacheupstream %s\n}\n".formatted(cacheDirective, id);
        Instance instance = SetupErrors.build(corefile, registry);
        return (CacheHandler) instance.configs().getFirst().handlers().getFirst();
    }

    /** Sets the query name to n{i, 7 digits}.example.org, and the ID to i. */
    void name(int i) {
        int v = i;
        for (int d = DIGITS - 1; d >= 0; d--) {
            query.putByte(DIGITS_AT + d, (byte) ('0' + v % 10));
            v /= 10;
        }
        query.putShort(0, (short) i, ByteOrder.BIG_ENDIAN);
    }

    /** Runs the queries for names {@code from} to {@code to - 1}, one each, in order. */
    void ask(int from, int to) {
        for (int i = from; i < to; i++) {
            name(i);
            run();
        }
    }

    /** Flips the case of the name's first letter (n / N). */
    void upperCase(boolean upper) {
        query.putByte(DIGITS_AT - 1, (byte) (upper ? 'N' : 'n'));
    }

    /** Runs one query; returns the handler's result. */
    int run() {
        ex.reset(transport, null, this, 0);
        ex.request().putBytes(0, query, 0, queryLength);
        ex.requestLength(queryLength);
        ex.query().wrap(ex.request(), 0, queryLength);
        int r = plugin.serve(ex);
        if (r == Result.WRITTEN) {
            ex.complete();
        } else if (r != Result.PENDING) {
            ex.completeWithRcode(r);
        }
        return r;
    }

    UnsafeBuffer query() {
        return query;
    }

    int queryLength() {
        return queryLength;
    }

    @Override
    public void respond(Exchange exchange) {
        responded++;
    }
}
