package io.nodedns.server;

import io.nodedns.wire.DnsHeader;
import io.nodedns.wire.QueryView;
import java.io.IOException;
import java.util.List;
import org.agrona.concurrent.UnsafeBuffer;
import org.xbill.DNS.DClass;
import org.xbill.DNS.Flags;
import org.xbill.DNS.Message;
import org.xbill.DNS.Name;
import org.xbill.DNS.Rcode;
import org.xbill.DNS.Record;
import org.xbill.DNS.Section;
import org.xbill.DNS.Type;

/**
 * Queries the server itself, as CoreDNS's plugin/pkg/upstream does: a new question on an exchange of
 * our own, routed by the listener's zones (or started at a given handler) and run down the chain,
 * with the client's address and server block. Used for CNAME targets outside a plugin's zone
 * (file, kubernetes ExternalName services, template), by dns64 for the A query and by autopath for
 * each search domain. It blocks and allocates, so callers run it off the loops with
 * {@link #offLoop}, which bounds how many such queries run at once ({@link SelfLookupGate}); the
 * nested exchanges are pooled within the exchange budget ({@link SelfLookupPool}). Queries that
 * never need it pay nothing.
 */
public final class SelfLookup {
    /**
     * Nested lookups allowed per client query. CoreDNS follows at most 8 CNAMEs: plugin/file's
     * externalLookup gives up when its counter passes 8, plugin/backend_lookup.go (kubernetes)
     * when 8 records precede the next CNAME. A CNAME loop across blocks ends here.
     */
    public static final int MAX_DEPTH = 8;

    private static final long WAIT_NANOS = 5_000_000_000L;
    private static final SelfLookupGate GATE = new SelfLookupGate(
            SelfLookupGate.limitFor(Runtime.getRuntime().maxMemory()));
    private static final SelfLookupPool POOL = SelfLookupPool.shared();

    private SelfLookup() {}

    /**
     * Finishes {@code ex}, whose response holds a reply of {@code length} bytes ending in a CNAME to
     * {@code target}, off the loop ({@link #offLoop}): the target is asked for the query's type through the
     * server and its answer records follow the CNAME in the one reply (CoreDNS file externalLookup,
     * backend_lookup). An NXDOMAIN target makes the reply NXDOMAIN with the target's authority
     * (RFC 6604 3: the rcode is the last name's); a target that cannot be asked (failure, timeout,
     * {@link #MAX_DEPTH}) leaves the CNAME alone, as CoreDNS does; so does a query shed because too
     * many are in flight (counted, {@link SelfLookupGate}). Returns {@link Result#PENDING}, or
     * {@link Result#WRITTEN} for the CNAME alone when shed.
     */
    public static int followCname(Exchange ex, int length, Name target, String plugin) {
        byte[] own = new byte[length];
        ex.response().getBytes(0, own);
        int qtype = ex.query().qtype();
        int result = offLoop(ex, plugin, () -> {
            byte[] out = own;
            try {
                out = chain(new Message(own), lookup(ex, target, qtype)).toWire();
            } catch (IOException | RuntimeException e) {
                ex.error("plugin/" + plugin + ": CNAME target " + target + ": " + e.getMessage());
            }
            ex.response().checkLimit(out.length);
            ex.response().putBytes(0, out);
            ex.written(out.length, plugin);
            ex.complete();
        });
        if (result == Result.PENDING) {
            return result;
        }
        ex.written(length, plugin); // shed: the reply as it stands, the CNAME alone
        return Result.WRITTEN;
    }

    /** Makes a whole reply message off the receiving thread; null for SERVFAIL. */
    public interface Reply {
        byte[] make() throws IOException;
    }

    /**
     * Answers {@code ex} with what {@code reply} makes, off the loop ({@link #offLoop}): null is
     * SERVFAIL, an I/O failure is recorded and answered SERVFAIL. Returns {@link Result#PENDING}, or
     * SERVFAIL when too many such queries are in flight.
     */
    public static int answerOffLoop(Exchange ex, String plugin, Reply reply) {
        return offLoop(ex, plugin, () -> {
            byte[] out;
            try {
                out = reply.make();
            } catch (IOException e) {
                ex.error("plugin/" + plugin + ": " + e.getMessage());
                out = null;
            }
            if (out == null) {
                ex.completeWithRcode(DnsHeader.RCODE_SERVFAIL);
                return;
            }
            ex.response().checkLimit(out.length);
            ex.response().putBytes(0, out);
            ex.written(out.length, plugin);
            ex.complete();
        });
    }

    /**
     * Runs {@code task}, which blocks on lookups through the server and must complete {@code ex},
     * on a virtual thread of its own, and returns {@link Result#PENDING}; how a plugin answers a
     * query it cannot answer on the calling thread (a UDP loop must never block). Bounded
     * ({@link SelfLookupGate}): past the limit nothing is started, the query is counted and the
     * plugin's handler returns the SERVFAIL this returns. A query that is itself a self lookup runs
     * {@code task} on the calling thread, which is already its asker's and may block: it holds its
     * asker's place. Whatever {@code task} throws is counted as a panic and answered SERVFAIL, so
     * no exchange is left pending for ever.
     */
    public static int offLoop(Exchange ex, String plugin, Runnable task) {
        if (ex.selfLookup()) {
            runGuarded(ex, plugin, task);
            return Result.PENDING;
        }
        SelfLookupGate.PluginShed p = GATE.of(plugin);
        if (!GATE.tryEnter()) {
            p.count.increment();
            ex.error(p.error);
            return DnsHeader.RCODE_SERVFAIL;
        }
        try {
            Thread.ofVirtual().name(p.threadName).start(() -> {
                try {
                    runGuarded(ex, plugin, task);
                } finally {
                    GATE.exit();
                }
            });
        } catch (Throwable t) { // no thread (out of memory): nothing will give the place back
            GATE.exit();
            throw t;
        }
        return Result.PENDING;
    }

    private static void runGuarded(Exchange ex, String plugin, Runnable task) {
        try {
            task.run();
        } catch (Throwable t) {
            panicked(ex, "plugin/" + plugin + ": ", t);
        }
    }

    /** The process-wide series of the server's own lookups (in flight, limit, shed, exchanges), for prometheus. */
    public static MetricSource metrics() {
        return GATE;
    }

    /** How many queries may be answered off the loops at once ({@link SelfLookupGate}). */
    public static int limit() {
        return GATE.limit();
    }

    /** Queries being answered off the loops now. */
    public static int inFlight() {
        return GATE.inFlight();
    }

    /**
     * A failure on the thread that was to complete {@code ex}: counted as a panic and answered
     * SERVFAIL, so no exchange is left pending for ever (a StackOverflowError from a deep parse
     * included); a VirtualMachineError then goes on up, since the JVM itself is in trouble.
     */
    private static void panicked(Exchange ex, String prefix, Throwable t) {
        ex.panicked(prefix, t);
        ex.completeWithRcode(DnsHeader.RCODE_SERVFAIL);
        if (t instanceof VirtualMachineError e) {
            throw e;
        }
    }

    /** {@code reply} with the target's answer records appended (each once: a loop repeats them). */
    static Message chain(Message reply, Message target) {
        if (target == null) {
            return reply;
        }
        List<Record> have = reply.getSection(Section.ANSWER);
        for (Record r : target.getSection(Section.ANSWER)) {
            if (!have.contains(r)) {
                reply.addRecord(r, Section.ANSWER);
            }
        }
        if (target.getRcode() == Rcode.NXDOMAIN) {
            reply.getHeader().setRcode(Rcode.NXDOMAIN);
            reply.removeAllRecords(Section.AUTHORITY);
            for (Record r : target.getSection(Section.AUTHORITY)) {
                reply.addRecord(r, Section.AUTHORITY);
            }
        }
        return reply;
    }

    /**
     * CoreDNS's upstream.Lookup: {@code name} and {@code type} asked of the listener {@code origin}
     * came in on, routed by its zones like a client's query. The reply, or null when there is none
     * (no block for the name, failure, timeout, or {@link #MAX_DEPTH} nested lookups).
     */
    public static Message lookup(Exchange origin, Name name, int type) throws IOException {
        Message query = Message.newQuery(Record.newRecord(name, type, DClass.IN));
        QueryView q = origin.query();
        if ((q.flags() & DnsHeader.RD) == 0) {
            query.getHeader().unsetFlag(Flags.RD);
        }
        if ((q.flags() & DnsHeader.CD) != 0) {
            query.getHeader().setFlag(Flags.CD);
        }
        byte[] wire = query.toWire();
        ServerConfig config = origin.config();
        if (origin.listener() != null) {
            UnsafeBuffer b = new UnsafeBuffer(wire);
            config = origin.listener().routes().find(b, DnsHeader.LENGTH, name.length(), type == Type.DS);
        }
        if (config == null || config.head() == null) {
            return null;
        }
        byte[] reply = ask(origin, config, config.head(), wire);
        return reply == null ? null : new Message(reply);
    }

    /**
     * The client's query as it now stands in {@code origin} (after a plugin's edits), asked of
     * {@code next} and on down the chain: how a plugin that must see the reply before it is
     * finished (dns64, rewrite's cname rules) runs the rest of the chain. The reply, or null.
     */
    public static byte[] askRest(Exchange origin, Handler next) {
        if (next == null) {
            return null;
        }
        byte[] request = new byte[origin.requestLength()];
        origin.request().getBytes(0, request);
        return ask(origin, next, request);
    }

    /**
     * One query ({@code request}, a whole message) on an exchange of our own, through
     * {@code handler} and on down the block's chain; the reply, or null.
     */
    public static byte[] ask(Exchange origin, Handler handler, byte[] request) {
        return ask(origin, origin.config(), handler, request);
    }

    private static byte[] ask(Exchange origin, ServerConfig config, Handler handler, byte[] request) {
        if (origin.lookupDepth >= MAX_DEPTH) {
            return null;
        }
        SelfLookupPool.Lookup l = POOL.acquire();
        if (l == null) { // the exchange budget is spent: shed like a loop's query
            return null;
        }
        boolean reusable = false;
        try {
            Exchange own = l.exchange;
            l.start();
            // TCP: no UDP size limit on the internal reply; forward picks the upstream protocol by the
            // client's transport (Exchange#clientTransport) and blocks here, off any loop
            own.resetFor(origin, Transport.TCP, l, System.nanoTime());
            own.config(config);
            own.lookupDepth = origin.lookupDepth + 1;
            own.request().putBytes(0, request);
            own.requestLength(request.length);
            if (own.query().wrap(own.request(), 0, request.length) != QueryView.OK) {
                reusable = true;
                return null;
            }
            own.serveOwn(handler); // a DROP completes it with no reply: null below
            if (!l.await(System.nanoTime() + WAIT_NANOS)) {
                return null; // whoever holds it may still complete it: abandoned, not reused
            }
            reusable = true;
            int length = own.responseLength();
            if (length <= 0) {
                return null;
            }
            byte[] reply = new byte[length];
            own.response().getBytes(0, reply);
            return reply;
        } finally {
            if (reusable) {
                POOL.release(l);
            } else {
                POOL.abandon(l);
            }
        }
    }
}
