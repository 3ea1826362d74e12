package io.nodedns.plugin.forward;

import io.nodedns.server.ChainHandler;
import io.nodedns.server.Exchange;
import io.nodedns.server.Handler;
import io.nodedns.server.Lifecycle;
import io.nodedns.server.LoopLocal;
import io.nodedns.server.Periodic;
import io.nodedns.server.Result;
import io.nodedns.server.UdpLoop;
import io.nodedns.upstream.HealthChecker;
import io.nodedns.upstream.Policy;
import io.nodedns.upstream.Upstream;
import io.nodedns.upstream.UpstreamTable;
import io.nodedns.wire.ClientCase;
import io.nodedns.wire.DnsHeader;
import io.nodedns.wire.QueryView;
import io.nodedns.wire.ZoneSet;
import java.time.Duration;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.concurrent.atomic.LongAdder;
import org.agrona.DirectBuffer;
import org.agrona.ExpandableDirectByteBuffer;

/**
 * The forward handler (CoreDNS plugin/forward/forward.go). UDP clients are served on their loop without blocking or
 * allocating ({@link UdpForwarder}); TCP clients block on their own virtual thread
 * ({@link BlockingPath}). Also its own lifecycle: a sweeper for idle TCP connections, and on stop
 * the health probes, sockets and per-loop state are released.
 */
public final class ForwardHandler extends ChainHandler implements Lifecycle {
    static final int ACCEPT = 0;
    static final int FAILOVER = 1;
    static final int NEXT = 2;

    private final String name;
    private final ForwardConfig config;
    private final UpstreamTable table;
    private final Policy policy;
    private final HealthChecker health;
    private final ZoneSet from;
    private final ZoneSet except;
    private final long readTimeoutNanos;
    private final long budgetNanos = ForwardConfig.QUERY_BUDGET.toNanos();
    private final String limitError;
    private final AtomicInteger concurrent = new AtomicInteger();
    private final LoopLocal<UdpForwarder> forwarders = new LoopLocal<>(loop -> new UdpForwarder(this, loop));
    private final ConcurrentLinkedQueue<UdpForwarder> live = new ConcurrentLinkedQueue<>();
    private volatile boolean stopped;
    private final Periodic sweeper;

    private final LongAdder requests = new LongAdder();
    private final AtomicLongArray rcodes = new AtomicLongArray(16);
    // Read by ForwardMetrics at scrape, and by tests (upstreamFailures is not exported).
    final LongAdder upstreamFailures = new LongAdder();
    /** Upstream datagrams dropped as not matching a pending query (ID, socket, question, junk, late). */
    final LongAdder mismatched = new LongAdder();
    final LongAdder maxConcurrentRejects = new LongAdder();
    final LongAdder healthcheckBroken = new LongAdder();

    /** A forwarder to the config's own upstreams. */
    public ForwardHandler(ForwardConfig config, String name) {
        this(config, name, table(config));
    }

    private static UpstreamTable table(ForwardConfig config) {
        io.nodedns.upstream.ConnOptions options = config.connOptions();
        UpstreamTable t = new UpstreamTable(a -> new Upstream(a, options, config.tlsClient(a)));
        t.update(config.to());
        return t;
    }

    /** A forwarder over a table someone else fills (kubeforward swaps its addresses). */
    public ForwardHandler(ForwardConfig config, String name, UpstreamTable table) {
        super(name);
        this.name = name;
        this.config = config;
        this.table = table;
        this.policy = Policy.parse(config.policy());
        this.health = new HealthChecker(config.healthCheck(), config.healthCheckRecursion(), config.healthCheckDomain(),
                config.forceTcp(), config.maxFails(), config.sourceAddress());
        this.from = ZoneSet.of(config.from());
        this.except = ZoneSet.of(config.except());
        this.readTimeoutNanos = config.readTimeout().toNanos();
        this.limitError = "concurrent queries exceeded maximum " + config.maxConcurrent();
        long sweepMillis = Math.max(100, Math.min(10_000, config.expire().toMillis()));
        this.sweeper = new Periodic("nodedns-forward-sweeper", Duration.ofMillis(sweepMillis), this::sweep);
    }

    @Override
    public int serve(Exchange ex) {
        QueryView q = ex.query();
        DirectBuffer req = ex.request();
        if (!from.contains(req, q.qnameOffset(), q.qnameLength()) || excepted(req, q)) {
            return next(ex);
        }
        // RFC 6761 6.3, 6.4: a caching server answers localhost. and invalid. itself, never upstream.
        int special = config.forwardSpecialUse() || q.opcode() != DnsHeader.OPCODE_QUERY
                ? SpecialNames.NONE
                : SpecialNames.match(req, q);
        if (special != SpecialNames.NONE) {
            ex.written(SpecialNames.write(ex, special), name);
            countRcode(DnsHeader.rcode(ex.response(), 0));
            return Result.WRITTEN;
        }
        requests.increment();
        if (config.maxConcurrent() > 0 && concurrent.incrementAndGet() > config.maxConcurrent()) {
            concurrent.decrementAndGet();
            maxConcurrentRejects.increment();
            ex.error(limitError);
            countRcode(DnsHeader.RCODE_REFUSED);
            return DnsHeader.RCODE_REFUSED;
        }
        Upstream[] list = table.get();
        UdpLoop loop = ex.loop();
        if (loop != null && loop.onLoopThread()) {
            return forwarders.get(loop).start(ex, list);
        }
        try {
            return BlockingPath.serve(this, ex, list);
        } finally {
            done();
        }
    }

    /** A name equal to FROM is never excluded (CoreDNS isAllowedDomain). */
    private boolean excepted(DirectBuffer req, QueryView q) {
        return !except.isEmpty() && !from.isApex(0, req, q.qnameOffset(), q.qnameLength())
                && except.contains(req, q.qnameOffset(), q.qnameLength());
    }

    /** What to do with an accepted upstream reply (CoreDNS plugin/forward/forward.go). */
    int decide(Attempts a, DirectBuffer reply) {
        int rcode = DnsHeader.rcode(reply, 0);
        if ((config.failoverRcodes() & (1 << rcode)) != 0 && a.failover()) {
            return FAILOVER;
        }
        if (nextHandler() instanceof ForwardHandler
                && ((config.nextRcodes() & (1 << rcode)) != 0
                        || (config.nextOnNodata() && rcode == DnsHeader.RCODE_NOERROR
                                && DnsHeader.ancount(reply, 0) == 0))) {
            return NEXT;
        }
        return ACCEPT;
    }

    /** Puts the reply into the exchange with the client's ID. */
    void write(Exchange ex, DirectBuffer reply, int length) {
        ExpandableDirectByteBuffer out = ex.response();
        if (reply != out) {
            out.checkLimit(length);
            out.putBytes(0, reply, 0, length);
        }
        QueryView q = ex.query();
        DnsHeader.id(out, 0, q.id());
        // RFC 4035 3.2.2: CD is copied from the query; an upstream that clears it (knot does) must not
        // make a client that asked for unchecked data believe it was checked.
        DnsHeader.flag(out, 0, DnsHeader.CD, q.cd());
        // RFC 1035 4.1.1: RA says recursion is available from the server that answers, which is this
        // one; an authoritative upstream (RA=0) must not make clients think it is not.
        DnsHeader.flag(out, 0, DnsHeader.RA, true);
        // RFC 4343 4.1: the client's own spelling of the name, whatever case the upstream answered in.
        ClientCase.restore(out, length, ex.request(), q.qnameOffset(), q.qnameLength());
        ex.written(length, name);
        countRcode(DnsHeader.rcode(out, 0));
    }

    /** Hands the query to the following forward (the {@code next} option). */
    int passOn(Exchange ex) {
        return next(ex);
    }

    /** A pending exchange leaves this forwarder for the next handler, from a loop thread. */
    void passOnPending(Exchange ex) {
        int r;
        try {
            r = next(ex);
        } catch (RuntimeException e) {
            ex.panicked("plugin/" + name + ": ", e);
            r = DnsHeader.RCODE_SERVFAIL;
        }
        if (r == Result.WRITTEN) {
            ex.complete();
        } else if (r != Result.PENDING) {
            ex.completeWithRcode(r);
        }
    }

    /** An exchange with an upstream failed: count it and let the health checker look. */
    void attemptFailed(Attempts a, Upstream u, String error) {
        upstreamFailed(u);
        a.failed(error);
    }

    /** A UDP send to {@code u} failed with {@code errno}: as {@link #attemptFailed}, with no text built. */
    void sendFailed(Attempts a, Upstream u, UpstreamSocket s, int errno) {
        upstreamFailed(u);
        a.sendFailed(s, errno);
    }

    private void upstreamFailed(Upstream u) {
        u.failed();
        upstreamFailures.increment();
        health.trigger(u);
    }

    /** This forwarder is done with a query (the max_concurrent slot is free again). */
    void done() {
        if (config.maxConcurrent() > 0) {
            concurrent.decrementAndGet();
        }
    }

    void countRcode(int rcode) {
        rcodes.incrementAndGet(rcode & 0xF);
    }

    void countMismatch() {
        mismatched.increment();
    }

    /** Starts a query's walk over {@code list} with this forwarder's policy, deadline and limits. */
    void startAttempts(Attempts a, Upstream[] list, long now) {
        a.start(list, policy, now, budgetNanos, config.effectiveMaxConnectAttempts(list.length), config.maxFails(),
                config.failfastAllUnhealthy());
    }

    /** The walk's next upstream ({@link Attempts#next}); a walk that found every upstream down is counted. */
    int nextUpstream(Attempts a, long now) {
        int idx = a.next(now);
        if (a.allDown) {
            healthcheckBroken.increment();
        }
        return idx;
    }

    long readTimeoutNanos() {
        return readTimeoutNanos;
    }

    boolean stopped() {
        return stopped;
    }

    void register(UdpForwarder s) {
        live.add(s);
    }

    void forget(UdpForwarder s, UdpLoop loop) {
        live.remove(s);
        forwarders.remove(loop);
    }

    @Override
    public void start() {
        sweeper.start();
    }

    /** Closes pooled connections idle past {@code expire}. */
    private void sweep() {
        for (Upstream u : table.get()) {
            u.tcp().sweep(); // TLS connections too: they are the TCP pool's
        }
    }

    @Override
    public void stop() {
        stopped = true;
        health.stop();
        sweeper.stop();
        table.close();
        // UDP forwarders close themselves once idle; this catches loops that stopped ticking.
        Thread.ofVirtual().name("nodedns-forward-reaper").start(() -> {
            long until = System.nanoTime() + budgetNanos + Duration.ofSeconds(1).toNanos();
            while (!live.isEmpty() && System.nanoTime() < until) {
                try {
                    Thread.sleep(100);
                } catch (InterruptedException e) {
                    return;
                }
            }
            live.forEach(UdpForwarder::closeSockets);
        });
    }

    // ---- configuration and counters, for the metrics plugin and tests ----

    public ForwardConfig config() {
        return config;
    }

    public UpstreamTable table() {
        return table;
    }

    public HealthChecker healthChecker() {
        return health;
    }

    /** Next handler in the chain (tests check that several forwards chain in order). */
    public Handler nextInChain() {
        return nextHandler();
    }

    /** Queries this forwarder took on (in FROM and not excepted). */
    public long requests() {
        return requests.sum();
    }

    /** Replies given to clients by rcode, including SERVFAIL/REFUSED this forwarder returned. */
    public long responses(int rcode) {
        return rcodes.get(rcode & 0xF);
    }
}
