package io.nodedns.plugin.cache;

import io.nodedns.server.ChainHandler;
import io.nodedns.server.Handler;
import io.nodedns.server.Exchange;
import io.nodedns.server.ResponseHook;
import io.nodedns.server.Result;
import io.nodedns.wire.ClientCase;
import io.nodedns.wire.DnsHeader;
import io.nodedns.wire.Edns;
import io.nodedns.wire.QueryView;
import io.nodedns.wire.ZoneSet;
import org.agrona.DirectBuffer;
import org.agrona.ExpandableDirectByteBuffer;
import org.agrona.MutableDirectBuffer;

/**
 * The cache handler (docs/plugins/cache.md). A hit copies the stored reply into the exchange and patches
 * ID, flags, the client's question bytes and every TTL: no allocation, no lock. A miss registers
 * this handler as the response hook and passes the query on; the hook hands the reply to
 * {@link CacheIntake}, which classifies, flattens and stores it without allocating. Prefetch and
 * serve_stale refreshes run on a {@link CacheRefresh} with an exchange of their own.
 */
public final class CacheHandler extends ChainHandler implements ResponseHook {
    public static final String NAME = "cache";
    static final int CLIENT = 0;
    static final int PREFETCH = 1;
    static final int STALE = 2;
    /** Marks a lookup result from the denial cache (a bit {@link CacheStore#find} leaves clear). */
    private static final long DENIAL = 1L << 31;

    final CacheConfig config;
    final CacheState state;
    final CacheClock clock;
    private final CacheStore success;
    private final CacheStore denial;
    private final ZoneSet zones;
    private final long staleSeconds;
    private final int staleTtl;
    private final long prefetchWindow;
    final CacheIntake intake;
    final long recheckNanos;
    final long verifyTimeoutNanos;

    CacheHandler(CacheConfig config, CacheState state, CacheClock clock) {
        super(NAME);
        this.config = config;
        this.state = state;
        this.clock = clock;
        this.success = state.success;
        this.denial = state.denial;
        this.zones = ZoneSet.of(config.zones());
        this.intake = new CacheIntake(config, state, clock);
        this.staleSeconds = config.staleUpTo().toSeconds();
        this.staleTtl = (int) Math.min(Integer.MAX_VALUE, config.staleTtl());
        this.prefetchWindow = config.prefetchWindow().toNanos();
        this.recheckNanos = config.staleRecheck().toNanos();
        this.verifyTimeoutNanos = config.verifyTimeout().toNanos();
    }

    /**
     * DO, CD, and whether the query carries a Client Subnet option: ECS queries share only the
     * answers upstreams marked valid for every subnet (RFC 7871 7.3.1, scope 0; see
     * {@link CacheEcs}), never those computed without a subnet, and the reverse.
     */
    static int keyFlags(QueryView q) {
        return (q.dnssecOk() ? 1 : 0) | (q.cd() ? 2 : 0)
                | (q.hasEdns() && q.ednsOption(Edns.OPTION_CLIENT_SUBNET) >= 0 ? 4 : 0);
    }

    @Override
    public int serve(Exchange ex) {
        QueryView q = ex.query();
        MutableDirectBuffer req = ex.request();
        if (!zones.contains(q)) {
            return next(ex);
        }
        state.requests.increment();
        long now = clock.nanoTime();
        int keyFlags = keyFlags(q);
        long h = CacheIndex.hash(q, keyFlags);
        long found = lookup(h, keyFlags, q, req, now);
        if (found < 0) {
            return miss(ex);
        }
        CacheStore store = (found & DENIAL) != 0 ? denial : success;
        int g = CacheStore.entry(found);
        if (config.verifyStale() && store.remaining(g, now) <= 0
                && (recheckNanos == 0 || store.activity.beginRefresh(g, now))
                && CacheRefresh.start(this, ex, store, g, CacheRefresh.VERIFY, recheckNanos > 0)) {
            return Result.PENDING;
        }
        long copied = serveEntry(ex, store, found, h, keyFlags, now);
        if (copied == CacheStore.MISS) {
            return miss(ex);
        }
        (store == success ? state.successHits : state.denialHits).increment();
        int remaining = (int) copied;
        if (remaining <= 0) {
            state.servedStale.increment();
            if (!config.verifyStale() && store.activity.beginRefresh(g, now)) {
                CacheRefresh.start(this, ex, store, g, CacheRefresh.STALE, true);
            }
        } else if (config.prefetch() > 0 && store.activity.touch(g, now, prefetchWindow) >= config.prefetch()
                && remaining <= ceilPercent(store.duration(g)) && store.activity.beginRefresh(g, now)) {
            CacheRefresh.start(this, ex, store, g, CacheRefresh.PREFETCH, true);
        }
        return Result.WRITTEN;
    }

    /**
     * CoreDNS's lookup order: the denial cache first, except that a cached SERVFAIL does not shadow a
     * usable positive entry; with prefer_positive an answering positive entry goes first. Returns
     * {@link CacheStore#find}'s result, with {@link #DENIAL} set for the denial cache, or -1.
     */
    private long lookup(long h, int keyFlags, QueryView q, DirectBuffer req, long now) {
        if (config.preferPositive() && staleSeconds > 0) {
            long p = success.find(h, keyFlags, q, req, now, staleSeconds);
            if (p >= 0 && (success.flags(CacheStore.entry(p)) & CacheStore.ANSWERING) != 0) {
                return p;
            }
        }
        long d = denial.find(h, keyFlags, q, req, now, staleSeconds);
        if (d >= 0 && (denial.flags(CacheStore.entry(d)) & CacheStore.SERVFAIL) == 0) {
            return d | DENIAL;
        }
        long p = success.find(h, keyFlags, q, req, now, staleSeconds);
        return p >= 0 ? p : d >= 0 ? d | DENIAL : -1;
    }

    /** Serves whatever usable entry the cache holds (the stale answer after a failed verify). */
    boolean serveCached(Exchange ex) {
        QueryView q = ex.query();
        int keyFlags = keyFlags(q);
        long h = CacheIndex.hash(q, keyFlags);
        long now = clock.nanoTime();
        long found = lookup(h, keyFlags, q, ex.request(), now);
        CacheStore store = (found & DENIAL) != 0 ? denial : success;
        long copied = found < 0 ? CacheStore.MISS : serveEntry(ex, store, found, h, keyFlags, now);
        if (copied == CacheStore.MISS) {
            return false;
        }
        (store == success ? state.successHits : state.denialHits).increment();
        if ((int) copied <= 0) {
            state.servedStale.increment();
        }
        return true;
    }

    private long ceilPercent(int ttl) {
        return ((long) config.prefetchPercentage() * ttl + 99) / 100;
    }

    /** Copies the entry {@code found} to the client and patches the header; returns CacheStore's packed result. */
    long serveEntry(Exchange ex, CacheStore store, long found, long h, int keyFlags, long now) {
        QueryView q = ex.query();
        ExpandableDirectByteBuffer out = ex.response();
        long copied = store.copyOut(found, h, keyFlags, q, ex.request(), now, staleSeconds, config.keepTtl(), staleTtl,
                q.hasEdns(), out);
        if (copied != CacheStore.MISS) {
            int length = (int) (copied >>> 32);
            patchHeader(ex, out, true);
            if ((store.flags(CacheStore.entry(found)) & CacheStore.OWNER_CASE) != 0) {
                ClientCase.restore(out, length, ex.request(), q.qnameOffset(), q.qnameLength()); // RFC 4343 4.1
            }
            ex.written(length, NAME);
        }
        return copied;
    }

    /** The client's ID, question bytes, RD, CD and opcode; AD only for DO or AD clients; AA cleared on hits. */
    static void patchHeader(Exchange ex, MutableDirectBuffer out, boolean clearAa) {
        QueryView q = ex.query();
        int request = q.flags();
        int keep = ~(DnsHeader.RD | DnsHeader.CD | DnsHeader.OPCODE_MASK | (clearAa ? DnsHeader.AA : 0));
        int flags = (DnsHeader.flags(out, 0) & keep)
                | (request & (DnsHeader.RD | DnsHeader.CD | DnsHeader.OPCODE_MASK));
        if (!q.dnssecOk() && (request & DnsHeader.AD) == 0) {
            flags &= ~DnsHeader.AD;
        }
        DnsHeader.flags(out, 0, flags);
        DnsHeader.id(out, 0, q.id());
        out.putBytes(DnsHeader.LENGTH, ex.request(), q.qnameOffset(), q.qnameLength());
    }

    private int miss(Exchange ex) {
        state.misses.increment();
        MutableDirectBuffer req = ex.request();
        // Ask with AD=1 so upstreams report authenticated data; the hook strips it again (CoreDNS does the same).
        DnsHeader.flags(req, 0, DnsHeader.flags(req, 0) | DnsHeader.AD);
        ex.addHook(this);
        return next(ex);
    }

    /** The rest of the chain, which a refresh exchange runs (see {@link CacheRefresh}); null at its end. */
    Handler rest() {
        return nextHandler();
    }

    @Override
    public void onResponse(Exchange ex) {
        intake.process(ex, CLIENT);
    }

    // Sizes, read by tests; the counters the metrics export are CacheState's (see CacheMetrics).

    public int successCapacity() {
        return success.capacity();
    }

    public int denialCapacity() {
        return denial.capacity();
    }

    /** Bytes both stores hold now (they grow with what is stored). */
    public long memoryBytes() {
        return success.memoryBytes() + denial.memoryBytes();
    }

    /** Bytes both stores would hold at their capacity: what setup counts against the heap budget. */
    public long maxMemoryBytes() {
        return CacheStore.bytesFor(success.capacity()) + CacheStore.bytesFor(denial.capacity());
    }

    /** Replies not cached because they exceed the largest slot. */
    public long oversized() {
        return state.oversized.sum();
    }
}
