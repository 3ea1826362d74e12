package io.nodedns.server;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.LongAdder;

/**
 * One DNS listen address with its UDP loops and TCP server. It outlives reloads: a reload that
 * keeps the address only publishes a new {@link ZoneTable} with one volatile store, so no query is
 * lost across the swap; one that changes only TCP settings hands them over in place
 * ({@link #takesSettings}); one that changes the number of UDP sockets replaces the listener, whose
 * sockets then leave their SO_REUSEPORT group and drain ({@link #handOver}), while its TCP server
 * goes on serving for the new one ({@link #takeTcpOver}). One that moves the address elsewhere
 * retires it: its TCP or DoT server is handed to the listener now serving its address, where one
 * does, and drains apart ({@link Retirement#handStreamsOver}).
 */
public final class Listener {
    private static final String SHED_HELP = "Queries shed by the UDP loops' memory budget: dropped (no buffer left) or"
            + " answered SERVFAIL at once (no room to wait for an upstream).";
    private static final String TCP_SHED_HELP = "Queries of TCP, DoT and DoH connections shed with the listener's "
            + TcpServer.MAX_BUSY + " queries in flight: connection closed unanswered (dns://, tls://) or answered 503"
            + " Service Unavailable (https://).";
    private static final String ERRORS_HELP = "Errors caught in the UDP loops and the TCP, DoT or DoH acceptor (each goes on).";

    private final ListenAddress address;
    private volatile ListenerSettings settings;
    private final String label;
    private final List<UdpLoop> loops = new ArrayList<>();
    /**
     * TCP beside the UDP loops, or for tls:// (TlsServer) and https:// (DohServer, Jetty) instead of
     * both; null until started, and once a replacing listener took it over (read by scrapes and health).
     */
    private volatile StreamServer stream;
    /** The replaced listener whose TCP server {@link #takeTcpOver} moves here; null once moved, or when this one bound its own. */
    private Listener tcpFrom;
    private final io.nodedns.tls.ServerTls tls;
    private volatile ZoneTable routes;
    private final Shared shared;
    private final LongAdder panics = new LongAdder();
    private final LongAdder dropped = new LongAdder();
    /**
     * Counted here by the stream server serving for this listener, a retired one draining for it
     * included, not in the server: one that a replacing listener takes over ({@link #takeTcpOver})
     * would otherwise be reported by both, and the prometheus plugin adds a replaced listener's
     * last values to its running total.
     */
    private final LongAdder tcpShed = new LongAdder();
    /** Errors caught by the TCP, DoT or DoH acceptor serving for this listener: counted here for the reason {@link #tcpShed} is. */
    private final LongAdder acceptErrors = new LongAdder();
    /** Queries read from TCP, DoT and DoH connections ({@link HeapRelease}'s count with the UDP loops'). */
    private final LongAdder streamQueries = new LongAdder();

    public Listener(ListenAddress address, ListenerSettings settings, ZoneTable routes, Shared shared) {
        this(address, settings, routes, shared, null);
    }

    public Listener(ListenAddress address, ListenerSettings settings, ZoneTable routes, Shared shared,
            io.nodedns.tls.ServerTls tls) {
        this.tls = tls;
        this.shared = shared;
        this.address = address;
        this.settings = settings;
        this.label = address.label();
        this.routes = routes;
    }

    /**
     * Binds every socket; throws (and closes what it opened) if any bind fails. A dns:// listener
     * that replaces {@code replacing} (the listener of the same address, else null) binds no TCP
     * socket while that one's TCP server runs: {@link #takeTcpOver} moves the server here at the
     * swap with its accept queue and open connections. Bound beside it instead, the old socket's
     * close would reset the connections it had queued and close the open ones, with their queries.
     */
    public void start(Listener replacing) throws IOException {
        String proto = "udp";
        if (!address.scheme().equals("dns")) {
            try {
                stream = address.scheme().equals("https")
                        ? new DohServer(this, settings, tls)
                        : new TlsServer(this, settings, tls);
                stream.start();
                return;
            } catch (IOException | RuntimeException e) {
                close();
                throw new IOException(
                        "listen tcp " + address.hostPort() + " (" + address.scheme() + "): " + e.getMessage(), e);
            }
        }
        try {
            for (int i = 0; i < settings.udpLoops(); i++) {
                UdpLoop loop = new UdpLoop(this, i);
                loops.add(loop);
            }
            proto = "tcp";
            TcpServer running = replacing == null ? null : replacing.tcpServer();
            if (running != null && !running.failed()) {
                tcpFrom = replacing;
            } else {
                stream = new TcpServer(this, settings);
            }
            for (UdpLoop loop : loops) {
                loop.start();
            }
            if (stream != null) {
                stream.start();
            }
        } catch (IOException | RuntimeException e) {
            close();
            // Go's wording ("listen udp 10.0.0.1:53: ..."): the JDK's message names neither address nor port
            throw new IOException("listen " + proto + " " + address.hostPort() + ": " + e.getMessage(), e);
        }
    }

    /**
     * At the swap of the reload that started this listener, once nothing can undo it: moves the
     * TCP server {@link #start} left with the listener this one replaces here, so the replaced
     * listener's {@link #handOver} and {@link #close} leave it alone. Messages read from now on
     * go through this listener's zone table and settings.
     */
    void takeTcpOver() {
        Listener from = tcpFrom;
        if (from == null) {
            return;
        }
        tcpFrom = null;
        TcpServer tcp = from.tcpServer();
        from.stream = null;
        tcp.servesFor(this);
        stream = tcp;
    }

    /**
     * Whether a reload can hand this listener {@code next} in place ({@link #settings(ListenerSettings)}),
     * replacing no socket: the UDP side stays as it is (the number of sockets; timeouts and
     * maxconnections concern TCP, DoT and DoH alone) and the stream server reads its settings live
     * (plain TCP and DoT do; DoH's Jetty does not).
     */
    boolean takesSettings(ListenerSettings next) {
        boolean udpSame = !address.scheme().equals("dns") || next.udpLoops() == settings.udpLoops();
        return udpSame && stream != null && stream.liveSettings();
    }

    /** A reload's settings, where {@link #takesSettings}: new TCP deadlines and admissions use them. */
    void settings(ListenerSettings next) {
        stream.settings(next);
        settings = next;
    }

    public ListenAddress address() {
        return address;
    }

    public ListenerSettings settings() {
        return settings;
    }

    /** The CoreDNS server label, e.g. {@code dns://:53}. */
    public String label() {
        return label;
    }

    public ZoneTable routes() {
        return routes;
    }

    public void routes(ZoneTable table) {
        this.routes = table;
    }

    /** The block's TLS as the listener started with it, null for {@code dns://}. */
    public io.nodedns.tls.ServerTls tls() {
        return tls;
    }

    /** A reload's certificates for a kept tls:// or https:// listener: new connections use them. */
    public void tls(io.nodedns.tls.ServerTls next) {
        if (stream != null) {
            stream.tls(next);
        }
    }

    /**
     * Whether a reload can hand this listener {@code next} in place: an https:// listener cannot
     * switch between TLS and cleartext (its Jetty connector is built for one), so that needs a new one.
     */
    public boolean takes(io.nodedns.tls.ServerTls next) {
        return stream == null || stream.takes(next);
    }

    /** The connections of its stream server that a retirement waits for ({@link StreamServer#drainingConnections}). */
    int drainingConnections(boolean shutdown) {
        StreamServer s = stream;
        return s == null ? 0 : s.drainingConnections(shutdown);
    }

    /** TCP connections open on this listener now (metrics, tests). */
    public int tcpConnections() {
        StreamServer s = stream;
        return s == null ? 0 : s.openConnections();
    }

    /**
     * This listener's series, read at scrape time: queries shed and errors caught, summed over its
     * UDP loops (errors also the stream acceptor's, counted here: {@link #countAcceptError}), stream
     * queries shed for want of work, and its stream server's own (an https:// listener's reply statuses).
     */
    public void collect(MetricSource.Sink out) {
        long drops = 0;
        long servfails = 0;
        StreamServer s = stream;
        long errors = acceptErrors.sum();
        for (UdpLoop loop : loops) {
            drops += loop.overloadDrops.sum();
            servfails += loop.parkSheds.sum();
            errors += loop.errors.count();
        }
        out.counter("nodedns_udp_shed", SHED_HELP, drops, "server", label, "action", "drop");
        out.counter("nodedns_udp_shed", SHED_HELP, servfails, "server", label, "action", "servfail");
        // what the client saw, as the UDP series says: all of a listener's sheds are one or the other
        out.counter("nodedns_tcp_shed", TCP_SHED_HELP, tcpShed.sum(), "server", label, "action",
                address.scheme().equals("https") ? "unavailable" : "close");
        out.counter("nodedns_loop_errors", ERRORS_HELP, errors, "server", label);
        if (s != null) {
            s.collect(out, label);
        }
    }

    /**
     * Whether this listener serves connections made to {@code local}: its port, and its address or
     * any (the wildcard). A retired server's connection to an address no listener serves closes once idle.
     */
    boolean serves(java.net.InetSocketAddress local) {
        if (local == null || local.getPort() != address.port()) {
            return false;
        }
        try {
            return address.host().isEmpty() || address.socketAddress().getAddress().equals(local.getAddress());
        } catch (java.net.UnknownHostException e) {
            return false;
        }
    }

    /**
     * At the swap of the reload that retires this listener: its TCP or DoT server, which from then
     * on drains apart from it ({@link Retirement#handStreamsOver}); null for none or DoH.
     */
    SocketStreamServer<?> detachSocketStream() {
        if (stream instanceof SocketStreamServer<?> s) {
            stream = null;
            return s;
        }
        return null;
    }

    /** The plain TCP server of a dns:// listener, else null (tests). */
    TcpServer tcpServer() {
        return stream instanceof TcpServer tcp ? tcp : null;
    }

    public List<UdpLoop> loops() {
        return loops;
    }

    /**
     * Null while every UDP loop and the TCP acceptor of this listener run, else what stopped:
     * /health and /ready fail with it (a listener with a dead loop answers a share of its clients
     * not at all, since SO_REUSEPORT keeps hashing them to the dead socket).
     */
    public String servingProblem() {
        for (UdpLoop loop : loops) {
            if (loop.failed()) {
                return "udp loop " + loop.index() + " of " + label + " stopped";
            }
        }
        StreamServer s = stream;
        if (s != null && s.failed()) {
            return (s instanceof TcpServer ? "tcp" : address.scheme()) + " acceptor of " + label + " stopped";
        }
        return null;
    }

    void countPanic() {
        panics.increment();
        shared.observer().onPanic();
    }

    void countDropped(Exchange ex, int rcode) {
        dropped.increment();
        shared.observer().onDropped(ex, rcode);
    }

    /** A stream query was not served: the listener's pool of work was exhausted ({@link WorkPool}). */
    void countTcpShed() {
        tcpShed.increment();
    }

    /** The acceptor of the stream server serving for this listener caught an error ({@code nodedns_loop_errors_total}). */
    void countAcceptError() {
        acceptErrors.increment();
    }

    /** Stream queries shed ({@code nodedns_tcp_shed_total}). */
    long tcpShed() {
        return tcpShed.sum();
    }

    /** A TCP, DoT or DoH query is being served for this listener ({@link TcpWork#serve}). */
    void countStreamQuery() {
        streamQueries.increment();
    }

    /** Stream queries served for this listener, for {@link HeapRelease}'s quiet test. */
    long streamQueries() {
        return streamQueries.sum();
    }

    public long panics() {
        return panics.sum();
    }

    public long droppedCount() {
        return dropped.sum();
    }

    /**
     * For a reload that replaced this listener, once the new one serves, or at shutdown (after the
     * lame duck), so an HA peer in the group takes over: the UDP sockets leave
     * their SO_REUSEPORT group and go on serving what they queued (a socket that cannot leave stops
     * reading), and DoH stops accepting (TCP and DoT servers drain apart once detached:
     * {@link Retirement#handStreamsOver}). {@link #stopReadingWhenEmpty} then ends the reading.
     */
    void handOver() {
        int stayed = 0;
        String why = null;
        for (UdpLoop loop : loops) {
            String failed = loop.retirement().leaveGroup();
            if (failed != null) {
                loop.retirement().stopReading();
                stayed++;
                why = failed;
            }
        }
        if (stayed > 0) {
            io.nodedns.log.Log.warning("", stayed + " udp socket(s) of " + label + " could not leave their SO_REUSEPORT"
                    + " group (" + why + "); the datagrams they queue until"
                    + " they close are lost");
        }
        StreamServer s = stream;
        if (s != null) {
            s.stopAccepting();
        }
    }

    /** After {@link #handOver}: each loop serves what its socket still holds and stops reading. */
    void stopReadingWhenEmpty(long untilNanos) {
        for (UdpLoop loop : loops) {
            if (loop.retirement().reading()) {
                loop.retirement().stopReadingWhenEmpty(untilNanos);
            }
        }
    }

    public void close() {
        for (UdpLoop loop : loops) {
            loop.close();
        }
        StreamServer s = stream;
        if (s != null) {
            s.close();
        }
    }
}
