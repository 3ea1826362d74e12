package io.nodedns.server;

import io.nodedns.wire.DnsHeader;
import io.nodedns.wire.QueryView;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import org.agrona.ExpandableDirectByteBuffer;
import org.agrona.MutableDirectBuffer;

/**
 * One query in flight: the request bytes, the parsed view of them, the reply being built and
 * everything plugins need to know about the client. Exchanges are pooled by the transports and
 * reused, so nothing here is allocated per query.
 *
 * <p>Threads (docs/architecture.md, "Threads"): the transport that owns an exchange resets and
 * fills it on its own thread, then hands it down the chain. A handler that returns
 * {@link Result#PENDING} may complete it from any thread; the first completion wins (a
 * compare-and-set on {@link #completed}), later ones do nothing, and the response hooks run on the
 * thread whose completion won.
 */
public final class Exchange {
    private static final VarHandle COMPLETED;

    static {
        try {
            COMPLETED = MethodHandles.lookup().findVarHandle(Exchange.class, "completed", boolean.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private static final int MAX_HOOKS = 16;
    public static final int MAX_MESSAGE = 65535;
    private static final int SCRATCH_CAPACITY = 1024;

    private final ExpandableDirectByteBuffer request;
    private final ExpandableDirectByteBuffer response;
    private ExpandableDirectByteBuffer scratch;
    private final QueryView query = new QueryView();
    private final ClientAddress client = new ClientAddress();
    private java.lang.foreign.MemorySegment peer;
    private int peerLength;
    private java.lang.foreign.MemorySegment replySource;
    private int replySourceLength;
    private final ResponseHook[] hooks = new ResponseHook[MAX_HOOKS];
    private int hookCount;
    private int requestLength;
    private int responseLength;
    private Transport transport;
    /** The protocol the client's query came in on: {@link #transport} unless this is an internal query. */
    private Transport clientTransport;
    private Listener listener;
    private Responder responder;
    private ServerConfig config;
    private String writer;
    private String error;
    /** The exception a handler or hook threw, kept for {@code errors stacktrace}. */
    private Throwable failure;
    /** Created when the metadata plugin first serves this exchange, then reused; on for this query only. */
    private Metadata metadata;
    private boolean metadataOn;
    private long startNanos;
    /**
     * Set once per query through {@link #COMPLETED} (a plain field: the CAS alone orders it). The plain
     * store in {@link #reset} is safe because the exchange reaches other threads only after it.
     */
    private boolean completed;
    /** The datagram was longer than the receive slot: only its start is in the request (FORMERR). */
    private boolean oversized;
    /** How many {@link SelfLookup}s this query is nested in (0 for a client's query): the loop bound. */
    int lookupDepth;

    public Exchange(int initialCapacity) {
        this.request = new ExpandableDirectByteBuffer(initialCapacity);
        this.response = new ExpandableDirectByteBuffer(initialCapacity);
    }

    /** Resets per-query state; the transport then fills the request and client. */
    public void reset(Transport transport, Listener listener, Responder responder, long nowNanos) {
        this.transport = transport;
        this.clientTransport = transport;
        this.listener = listener;
        this.responder = responder;
        this.startNanos = nowNanos;
        this.hookCount = 0;
        this.responseLength = 0;
        this.requestLength = 0;
        this.config = null;
        this.writer = null;
        this.error = null;
        this.failure = null;
        this.metadataOn = false;
        this.completed = false;
        this.replySourceLength = 0;
        this.oversized = false;
        this.lookupDepth = 0;
    }

    /**
     * Drops what ties a finished exchange to its configuration (server block, response hooks), so a
     * pooled exchange does not keep a replaced configuration, and its caches, reachable.
     */
    void detach() {
        this.config = null;
        this.failure = null;
        for (int i = 0; i < hookCount; i++) {
            hooks[i] = null;
        }
        this.hookCount = 0;
    }

    /**
     * Prepares this (plugin-owned) exchange for an internal query made on behalf of {@code origin},
     * such as a cache prefetch: same listener, client and server block, but replies go to
     * {@code responder}. The caller then fills the request and wraps {@link #query()}.
     */
    public void resetFor(Exchange origin, Transport transport, Responder responder, long nowNanos) {
        reset(transport, origin.listener, responder, nowNanos);
        this.clientTransport = origin.clientTransport;
        this.config = origin.config;
        this.client.set(origin.client.socketAddress());
    }

    public MutableDirectBuffer request() {
        return request;
    }

    void oversized(boolean value) {
        this.oversized = value;
    }

    /** True if the query was longer than a UDP receive slot and was cut (it is answered FORMERR). */
    public boolean oversized() {
        return oversized;
    }

    public int requestLength() {
        return requestLength;
    }

    public void requestLength(int length) {
        this.requestLength = length;
    }

    /**
     * Per-exchange working memory for the one plugin in a chain that must carry bytes from the
     * query to its response hook (rewrite keeps the client's original request here). Created on
     * first use and kept with the pooled exchange, so steady state allocates nothing.
     */
    public ExpandableDirectByteBuffer scratch() {
        if (scratch == null) {
            scratch = new ExpandableDirectByteBuffer(SCRATCH_CAPACITY);
        }
        return scratch;
    }

    /** True for a query the server makes itself ({@link SelfLookup}), which runs inside its client's query. */
    public boolean selfLookup() {
        return lookupDepth > 0;
    }

    public QueryView query() {
        return query;
    }

    public ExpandableDirectByteBuffer response() {
        return response;
    }

    public int responseLength() {
        return responseLength;
    }

    /** Declares the reply complete with this many bytes in {@link #response()}, written by plugin {@code by}. */
    public void written(int length, String by) {
        this.responseLength = length;
        if (writer == null) {
            this.writer = by;
        }
    }

    /** Sets the reply length without claiming authorship (hooks that edit a reply). */
    public void responseLength(int length) {
        this.responseLength = length;
    }

    /** The plugin that wrote the reply, or null if the server did (metrics label "plugin"). */
    public String writer() {
        return writer;
    }

    /**
     * True if a buffer grew past {@code capacity} for a large message (or the scratch past its
     * first size): the pool drops such an exchange, so what it holds stays what the budget counts.
     */
    boolean grownPast(int capacity) {
        return request.capacity() > capacity || response.capacity() > capacity
                || (scratch != null && scratch.capacity() > SCRATCH_CAPACITY);
    }

    /** Copies the sender's raw sockaddr (native UDP path) into this exchange's own native memory. */
    void peer(java.lang.foreign.MemorySegment sockaddr, int length) {
        if (peer == null) {
            peer = java.lang.foreign.Arena.ofAuto().allocate(io.nodedns.sys.LinuxSockets.SOCKADDR_SIZE, 8);
        }
        int n = Math.min(length, io.nodedns.sys.LinuxSockets.SOCKADDR_SIZE);
        java.lang.foreign.MemorySegment.copy(sockaddr, 0, peer, 0, n);
        peerLength = n;
        client.setRaw(peer);
    }

    /**
     * Keeps the query's destination address, from IP_PKTINFO / IPV6_PKTINFO ancillary data, as the
     * control message that makes the reply leave from that address (wildcard listeners only).
     */
    void replySourceFrom(java.lang.foreign.MemorySegment control, int length) {
        if (replySource == null) {
            replySource = java.lang.foreign.Arena.ofAuto().allocate(NativeListenIo.CONTROL, 8);
        }
        replySourceLength = PacketInfo.toReplySource(control, length, replySource);
    }

    java.lang.foreign.MemorySegment replySource() {
        return replySource;
    }

    int replySourceLength() {
        return replySourceLength;
    }

    java.lang.foreign.MemorySegment peer() {
        return peer;
    }

    int peerLength() {
        return peerLength;
    }

    public ClientAddress client() {
        return client;
    }

    public Transport transport() {
        return transport;
    }

    /**
     * The protocol the client asked over; for an internal query (a self lookup, a prefetch) its
     * origin's, whatever {@link #transport} the internal exchange uses: forward picks UDP or TCP
     * upstream by it, as CoreDNS's pkg/upstream keeps the request's protocol.
     */
    public Transport clientTransport() {
        return clientTransport;
    }

    /** The UDP loop that owns this exchange, or null for TCP (plugins block on TCP threads instead). */
    public UdpLoop loop() {
        return responder instanceof UdpLoop l ? l : null;
    }

    public Listener listener() {
        return listener;
    }

    public ServerConfig config() {
        return config;
    }

    void config(ServerConfig config) {
        this.config = config;
    }

    public long startNanos() {
        return startNanos;
    }

    /** Records a plugin error for the errors plugin; the error path may allocate. */
    public void error(String message) {
        if (error == null) {
            error = message;
        }
    }

    public String error() {
        return error;
    }

    /** Records a caught handler failure as the error {@code PREFIX + exception}, keeping the exception. */
    void failed(String prefix, Throwable t) {
        if (error == null) {
            error = prefix + t;
            failure = t;
        }
    }

    /**
     * A handler failure caught anywhere (the chain, a hook, a plugin finishing a query on another
     * thread): recorded with its exception, for errors' and debug's stack lines, and counted as
     * CoreDNS counts a recovered panic ({@code coredns_panics_total}).
     */
    public void panicked(String prefix, Throwable t) {
        failed(prefix, t);
        if (listener != null) {
            listener.countPanic();
        }
    }

    /** The exception behind {@link #error()}, or null when the error was reported as text. */
    public Throwable failure() {
        return failure;
    }

    /** Starts collecting metadata for this query (the metadata plugin, for queries under its zones). */
    public void collectMetadata() {
        if (metadata == null) {
            metadata = new Metadata();
        } else {
            metadata.clear();
        }
        metadataOn = true;
    }

    /** True if the metadata plugin collects for this query: publishers skip the work otherwise. */
    public boolean metadataOn() {
        return metadataOn;
    }

    /** Publishes {@code label} (CoreDNS's "plugin/NAME") with its value; nothing unless {@link #metadataOn()}. */
    public void metadata(String label, String value) {
        if (metadataOn) {
            metadata.put(label, value);
        }
    }

    /** The label's value, or null if no plugin published it for this query. */
    public String metadata(String label) {
        return metadataOn ? metadata.get(label) : null;
    }

    /** Registers a hook to see the reply; ignored (and reported once) past the fixed capacity. */
    public void addHook(ResponseHook hook) {
        if (hookCount < MAX_HOOKS) {
            hooks[hookCount++] = hook;
        }
    }

    /**
     * Runs the response hooks, the last registered first (CoreDNS's nested ResponseWriters); one
     * that throws is counted as a panic, and the others still run.
     */
    void runHooks() {
        for (int i = hookCount - 1; i >= 0; i--) {
            try {
                hooks[i].onResponse(this);
            } catch (RuntimeException e) {
                panicked("response hook failed: ", e);
            }
        }
    }

    Responder responder() {
        return responder;
    }

    /** True for exactly one caller per query, whichever thread it runs on (no lock, no allocation). */
    boolean markCompleted() {
        return COMPLETED.compareAndSet(this, false, true);
    }

    /**
     * Finishes an exchange a handler returned {@link Result#PENDING} for: the reply must already be
     * in the response buffer ({@link #written}), or pass an rcode to {@link #completeWithRcode}.
     */
    public void complete() {
        QueryProcessor.finish(this, Result.WRITTEN);
    }

    /** Finishes a pending exchange with a bare reply carrying {@code rcode}, written by the server. */
    public void completeWithRcode(int rcode) {
        QueryProcessor.finish(this, rcode);
    }

    /**
     * Serves an exchange of a plugin's own (a {@link SelfLookup}, a cache refresh) through
     * {@code handler} and on down the chain, and completes it as the chain answered: a failure, no
     * handler or a result that is no rcode is SERVFAIL; DROP completes it without a reply; after
     * PENDING whoever took it completes it. Failures here are not a client's: nothing is counted.
     */
    public void serveOwn(Handler handler) {
        int result;
        try {
            result = handler == null ? DnsHeader.RCODE_SERVFAIL : handler.serve(this);
        } catch (RuntimeException | StackOverflowError e) {
            result = DnsHeader.RCODE_SERVFAIL;
        }
        if (result != Result.PENDING) {
            boolean known = result == Result.WRITTEN || result == Result.DROP || (result >= 0 && result <= 15);
            QueryProcessor.finish(this, known ? result : DnsHeader.RCODE_SERVFAIL);
        }
    }
}
