package io.nodedns.testing;

import io.nodedns.config.Dispenser;
import io.nodedns.plugin.Plugins;
import io.nodedns.server.Exchange;
import io.nodedns.server.Handler;
import io.nodedns.server.PluginRegistry;
import io.nodedns.server.PluginSetup;
import io.nodedns.server.Result;
import io.nodedns.server.SetupContext;
import io.nodedns.wire.DnsHeader;
import java.io.IOException;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import org.agrona.MutableDirectBuffer;
import org.xbill.DNS.Message;

/**
 * Test-only plugin {@code cacheupstream ID}: the stand-in for an upstream behind {@code cache}. It
 * counts every query that reaches it and answers with a programmable dnsjava function, optionally
 * after a delay (returning PENDING like forward). Without a function it answers A queries itself,
 * allocation-free, with {@code 1 + version % spread} A records (version = its query count), so
 * allocation and torn-read tests can use it. Lives after every real plugin in the order; the block
 * accepts any class, as with forward.
 */
public final class CacheUpstream implements Handler {
    public static final String NAME = "cacheupstream";
    private static final Map<String, CacheUpstream> BY_ID = new ConcurrentHashMap<>();

    private final AtomicInteger queries = new AtomicInteger();
    private final Map<String, AtomicInteger> perName = new ConcurrentHashMap<>();
    private volatile Function<Message, Message> answer;
    private volatile long delayMillis;
    private volatile int fastTtl = 300;
    private volatile int spread = 1;
    private volatile Message lastRequest;

    private CacheUpstream() {}

    /** A fresh upstream reachable as {@code cacheupstream ID} in Corefiles. */
    public static CacheUpstream create(String id) {
        CacheUpstream up = new CacheUpstream();
        BY_ID.put(id, up);
        return up;
    }

    /** Every shipped plugin, the marker, this upstream (last in the order) and the cache setup given. */
    public static PluginRegistry registry(PluginSetup cache) {
        List<String> order = new ArrayList<>(PluginRegistry.ORDER);
        order.add(MarkerPlugin.NAME);
        order.add(NAME);
        return Plugins.registerAll(new PluginRegistry(order))
                .register(MarkerPlugin.NAME, MarkerPlugin.SETUP)
                .register(NAME, SETUP)
                .register("cache", cache);
    }

    public static final PluginSetup SETUP = (SetupContext ctx) -> {
        Dispenser d = ctx.once().dispenser();
        d.next();
        String id = d.requireArg();
        CacheUpstream up = BY_ID.get(id);
        if (up == null) {
            throw d.err("cacheupstream: unknown id " + id);
        }
        ctx.allowAnyClass();
        ctx.addHandler(up);
    };

    public CacheUpstream answer(Function<Message, Message> fn) {
        this.answer = fn;
        return this;
    }

    public CacheUpstream delayMillis(long millis) {
        this.delayMillis = millis;
        return this;
    }

    public CacheUpstream fastTtl(int ttl) {
        this.fastTtl = ttl;
        return this;
    }

    /** Fast mode: replies carry 1 + (version % spread) A records, all holding the version. */
    public CacheUpstream spread(int n) {
        this.spread = n;
        return this;
    }

    public int queries() {
        return queries.get();
    }

    public int queries(String name) {
        AtomicInteger n = perName.get(name.toLowerCase());
        return n == null ? 0 : n.get();
    }

    /** The last request seen in dnsjava mode. */
    public Message lastRequest() {
        return lastRequest;
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public int serve(Exchange ex) {
        int version = queries.incrementAndGet();
        Function<Message, Message> fn = answer;
        if (fn == null) {
            return fast(ex, version);
        }
        Message reply;
        try {
            byte[] wire = new byte[ex.requestLength()];
            ex.request().getBytes(0, wire);
            Message request = new Message(wire);
            lastRequest = request;
            perName.computeIfAbsent(request.getQuestion().getName().toString().toLowerCase(), k -> new AtomicInteger())
                    .incrementAndGet();
            reply = fn.apply(request);
        } catch (IOException e) {
            return DnsHeader.RCODE_FORMERR;
        }
        if (reply == null) {
            return DnsHeader.RCODE_SERVFAIL;
        }
        byte[] out = reply.toWire();
        long delay = delayMillis;
        if (delay <= 0) {
            ex.response().putBytes(0, out);
            ex.written(out.length, NAME);
            return Result.WRITTEN;
        }
        Thread.ofVirtual().start(() -> {
            try {
                Thread.sleep(delay);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            ex.response().putBytes(0, out);
            ex.written(out.length, NAME);
            ex.complete();
        });
        return Result.PENDING;
    }

    /** Header and question from the request, then the A records; no allocation. */
    private int fast(Exchange ex, int version) {
        MutableDirectBuffer req = ex.request();
        MutableDirectBuffer out = ex.response();
        int qend = ex.query().questionEnd();
        out.putBytes(0, req, 0, qend);
        int flags = (req.getShort(2, ByteOrder.BIG_ENDIAN) & 0x0110) | 0x8080; // RD and CD kept, QR and RA set
        out.putShort(2, (short) flags, ByteOrder.BIG_ENDIAN);
        int count = 1 + version % spread;
        out.putShort(6, (short) count, ByteOrder.BIG_ENDIAN);
        out.putShort(8, (short) 0, ByteOrder.BIG_ENDIAN);
        out.putShort(10, (short) 0, ByteOrder.BIG_ENDIAN);
        int pos = qend;
        for (int i = 0; i < count; i++) {
            out.putShort(pos, (short) 0xC00C, ByteOrder.BIG_ENDIAN);
            out.putShort(pos + 2, (short) 1, ByteOrder.BIG_ENDIAN);
            out.putShort(pos + 4, (short) 1, ByteOrder.BIG_ENDIAN);
            out.putInt(pos + 6, fastTtl, ByteOrder.BIG_ENDIAN);
            out.putShort(pos + 10, (short) 4, ByteOrder.BIG_ENDIAN);
            out.putInt(pos + 12, version, ByteOrder.BIG_ENDIAN);
            pos += 16;
        }
        ex.written(pos, NAME);
        return Result.WRITTEN;
    }
}
