package io.nodedns.server;

import io.nodedns.log.Log;
import io.nodedns.tls.ServerTls;
import java.io.IOException;
import java.nio.channels.SelectableChannel;
import java.util.concurrent.Executors;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.eclipse.jetty.alpn.server.ALPNServerConnectionFactory;
import org.eclipse.jetty.http2.HTTP2Cipher;
import org.eclipse.jetty.http2.server.HTTP2ServerConnectionFactory;
import org.eclipse.jetty.io.ArrayByteBufferPool;
import org.eclipse.jetty.io.SelectorManager;
import org.eclipse.jetty.server.HttpConfiguration;
import org.eclipse.jetty.server.HttpConnectionFactory;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.server.SslConnectionFactory;
import org.eclipse.jetty.util.ssl.SslContextFactory;
import org.eclipse.jetty.util.thread.QueuedThreadPool;
import org.eclipse.jetty.util.thread.ScheduledExecutorScheduler;

/**
 * DNS over HTTPS (RFC 8484, {@code https://} blocks) for one listener, served by Jetty as CoreDNS
 * core/dnsserver/server_https.go serves it with Go's net/http: HTTP/2 (RFC 9113) and HTTP/1.1 over
 * TLS, chosen by ALPN ({@code h2}, then {@code http/1.1}, which is also taken by clients that
 * offer no ALPN), with the block's {@code tls} certificate and client_auth policy; cleartext
 * HTTP/1.1 without a {@code tls} directive, as CoreDNS. HTTP/2 framing, HPACK, flow control and
 * ALPN are Jetty's; requests are {@link DohRequests}'. This class, and through it Jetty, is loaded
 * only when a Corefile has an {@code https://} block.
 *
 * <p>Bounds: at most 200 connections (CoreDNS's DefaultHTTPSMaxConnections; at it a new one takes
 * the place of the one that has waited longest for a request, never of one serving a request,
 * {@link DohConnections}), the
 * handshake and first request within {@code read} of silence, later ones within {@code idle}, a
 * POST body within {@code read} of its request's start however it trickles;
 * requests take one of the listener's {@link TcpServer#MAX_BUSY} works before their body is read
 * (503 past them), and an HTTP/2 connection has at most {@link TcpServer#MAX_PIPELINED} streams. Jetty's platform
 * threads: one selector, one acceptor and at most two more while requests are dispatched; requests run on
 * virtual threads.
 */
final class DohServer implements StreamServer {
    /** CoreDNS core/dnsserver DefaultHTTPSMaxConnections. */
    static final int MAX_CONNECTIONS = 200;
    /**
     * Sockets accepted and not yet closed by Jetty, at most: the acceptor waits at this many, and
     * the rest wait in the kernel's accept queue. The one selector thread makes accepted sockets
     * endpoints, and closes those evicted at {@link #MAX_CONNECTIONS}; when TLS handshakes kept it
     * behind the acceptor, accepted sockets waited for it on the heap without bound (clients opening
     * and closing connections as fast as they could: 13,706 sockets and 75 MiB live 12 s into it).
     */
    static final int MAX_ACCEPTED = 2 * MAX_CONNECTIONS;
    /** Jetty's platform threads: the selector, the acceptor, and a few that hand requests to virtual threads. */
    private static final int MAX_PLATFORM_THREADS = 4;
    /** Pooled buffers kept for reuse at most, per kind (heap, direct): HTTP/2 frames and TLS records. */
    private static final long MAX_POOLED_BYTES = 1 << 20;
    /** HTTP/2 receive window of a stream (one DNS message, RFC 8484 6) and twice that for a connection. */
    private static final int MAX_MESSAGE_WINDOW = DohRequests.MAX_MESSAGE;

    static {
        // Jetty logs its version and every start and stop at INFO; nodedns reports listeners itself
        if (System.getProperty("org.slf4j.simpleLogger.log.org.eclipse.jetty") == null) {
            System.setProperty("org.slf4j.simpleLogger.log.org.eclipse.jetty", "warn");
        }
    }

    private final Listener listener;
    private final org.eclipse.jetty.server.Server jetty;
    private final Connector connector;
    private final LoopErrors errors;
    /** Null for cleartext. */
    private final SslContextFactory.Server ssl;
    private volatile ServerTls tls;
    private final DohResponses responses = new DohResponses();
    private final DohRequests requests;
    private final DohConnections connections;
    /**
     * How long a retiring server waits for a connection after its last reply: an active client
     * sends its next request within it, and its reply closes the connection; one silent that long
     * is closed with the server, when a request racing the close is unlikely.
     */
    private static final long RECENT_NANOS = 1_000_000_000L;
    /** Held to close the listening socket and to call on its fd ({@link SocketAcceptor#acceptQueued}). */
    private final Object socketClose = new Object();
    /** Set by the first {@link #stopAccepting}: a reload and a shutdown may retire it at once. */
    private final java.util.concurrent.atomic.AtomicBoolean stoppingQueued = new java.util.concurrent.atomic.AtomicBoolean();

    DohServer(Listener listener, ListenerSettings settings, ServerTls tls) throws IOException {
        this.listener = listener;
        this.tls = tls;
        this.errors = new LoopErrors("https acceptor of " + listener.label());
        QueuedThreadPool threads = new QueuedThreadPool(MAX_PLATFORM_THREADS, 1);
        threads.setName("nodedns-https-" + listener.label());
        threads.setDaemon(true);
        threads.setReservedThreads(0);
        threads.setVirtualThreadsExecutor(Executors.newVirtualThreadPerTaskExecutor());
        jetty = new org.eclipse.jetty.server.Server(threads,
                new ScheduledExecutorScheduler("nodedns-https-timeouts", true),
                new ArrayByteBufferPool(0, -1, -1, -1, MAX_POOLED_BYTES, MAX_POOLED_BYTES));
        HttpConfiguration http = new HttpConfiguration();
        http.setSendServerVersion(false);
        http.setSendXPoweredBy(false);
        HttpConnectionFactory http11 = new HttpConnectionFactory(http);
        long read = settings.tcpRead().toMillis();
        long idle = settings.tcpIdle().toMillis();
        if (tls == null) {
            ssl = null;
            connector = new Connector(jetty, errors, listener, http11);
        } else {
            ssl = new SslContextFactory.Server();
            configure(ssl, tls);
            HTTP2ServerConnectionFactory h2 = new HTTP2ServerConnectionFactory(http);
            h2.setStreamIdleTimeout(idle);
            // a DNS message is at most 64 KiB: windows sized to that bound what 200 connections can make us buffer
            h2.setInitialStreamRecvWindow(MAX_MESSAGE_WINDOW);
            h2.setInitialSessionRecvWindow(2 * MAX_MESSAGE_WINDOW);
            // as many streams as DoT pipelines (Jetty's default is 128 per connection)
            h2.setMaxConcurrentStreams(TcpServer.MAX_PIPELINED);
            ALPNServerConnectionFactory alpn = new ALPNServerConnectionFactory("h2", "http/1.1");
            alpn.setDefaultProtocol("http/1.1");
            SslConnectionFactory tlsFactory = new SslConnectionFactory(ssl, alpn.getProtocol());
            // Jetty would add its SecureRequestCustomizer, which binds its certificate data to every
            // session: the JDK then sends a second, stateful, TLS 1.3 ticket and keeps the session in
            // the context's cache for a day (one per connection under churn); DohRequests reads none
            // of it, and its SNI-against-Host check is none of CoreDNS's
            tlsFactory.setEnsureSecureRequestCustomizer(false);
            connector = new Connector(jetty, errors, listener, tlsFactory, alpn, h2, http11);
        }
        java.net.InetSocketAddress bindTo = listener.address().socketAddress();
        connector.setHost(bindTo.getAddress().isAnyLocalAddress() ? null : bindTo.getAddress().getHostAddress());
        connector.setPort(bindTo.getPort());
        connector.setReuseAddress(true);
        connector.setReusePort(true); // reloads and HA pairs, as plain TCP
        connector.setAcceptQueueSize(SocketAcceptor.LISTEN_BACKLOG);
        connector.setIdleTimeout(read); // until the first request; DohRequests then sets idle
        jetty.addConnector(connector);
        // the cap is DohConnections' alone: Jetty's NetworkConnectionLimit stops accepting at its
        // count, which can differ by one from the open set's (then no connection is ever accepted
        // again), and resets every connection's idle timeout at each accept past it
        connections = new DohConnections(MAX_CONNECTIONS);
        connector.addEventListener(connections);
        requests = new DohRequests(listener, new WorkPool(TcpServer.MAX_BUSY), responses, connections, idle, read);
        jetty.setHandler(requests);
    }

    /** The block's policy on Jetty's TLS: our context (certificates, trust), TLS 1.2+, client_auth. */
    private static void configure(SslContextFactory.Server f, ServerTls tls) {
        f.setSslContext(tls.context());
        f.setIncludeProtocols(ServerTls.PROTOCOLS.toArray(new String[0]));
        f.setCipherComparator(HTTP2Cipher.COMPARATOR); // suites HTTP/2 accepts first (RFC 9113 9.2.2)
        f.setNeedClientAuth(tls.needsClientCertificate());
        f.setWantClientAuth(tls.wantsClientCertificate());
    }

    /** Binds and starts serving; an IOException names what failed. */
    @Override
    public void start() throws IOException {
        try {
            jetty.start();
        } catch (Exception e) {
            Throwable reason = e; // Jetty's "Failed to bind to /ADDRESS" wraps the one Listener's message wants
            while (reason.getCause() != null && !(reason instanceof java.net.BindException)) {
                reason = reason.getCause();
            }
            throw new IOException(reason.getMessage(), e);
        }
    }

    /**
     * A reload's new certificates: connections accepted from now on use them. Cleartext stays
     * cleartext: a reload that adds or drops {@code tls} gets a new listener ({@link Listener#takes}).
     */
    @Override
    public void tls(ServerTls next) {
        if (ssl == null) {
            return;
        }
        try {
            ssl.reload(f -> configure((SslContextFactory.Server) f, next));
            this.tls = next;
        } catch (Exception e) {
            Log.error("tls",
                    listener.label() + ": the reloaded certificates are not served, the previous ones are: " + e);
        }
    }

    /** Cleartext stays cleartext and TLS stays TLS: the Jetty connector is built for one. */
    @Override
    public boolean takes(ServerTls next) {
        return (tls == null) == (next == null);
    }

    @Override
    public int openConnections() {
        return connector.getConnectedEndPoints().size();
    }

    /**
     * Those serving a request or answered within {@link #RECENT_NANOS}: idle HTTP/1.1 clients do
     * not hold a reload 5 s. At shutdown only those serving a request: a client's next request
     * would find no server whatever it waited.
     */
    @Override
    public int drainingConnections(boolean shutdown) {
        return connections.recentlyActive(System.nanoTime(), shutdown ? 0 : RECENT_NANOS);
    }

    @Override
    public boolean failed() {
        return jetty.isFailed();
    }

    /**
     * Closes the listening socket, as TCP and DoT do, and returns once the kernel has closed it: with
     * SO_REUSEPORT the kernel would otherwise go on handing new connections to a retired listener's
     * accept queue, where nobody takes them (a reload that replaces this listener would then lose
     * some of its new clients). Closing a channel whose platform acceptor thread is blocked in
     * accept(2) only signals that thread: the socket keeps listening until the call returns, on a
     * loaded machine up to 0.67 s later, after the reload had returned (two sockets listened after
     * 3 of 40 reloads under two CPU hogs; one lost the next client's connection). Open connections
     * are served until {@link #close}: HTTP/1.1 ones close after their next reply, and HTTP/2 ones,
     * where {@code Connection: close} means nothing (RFC 9113 8.2.2), are sent a GOAWAY (RFC 9113
     * 6.8) once the socket is closed, so their clients' next streams go to a new connection, the
     * new listener's, not one dropped for a SYN filter: at once if they have carried a request, else
     * after their next reply ({@link DohRequests#goAwayAfterReplies}; a GOAWAY before a connection's
     * SETTINGS ends it for some clients, and one whose preface is not read yet, handed over from
     * the queue above, has sent none). Jetty answers the streams it has and says its last GOAWAY,
     * and the connection closes with the client or with this server, a second after its last reply
     * ({@link #drainingConnections}). Before, an HTTP/2 client kept its connection
     * until the retirement's 5 s bound closed it under its streams (DohHttp2ReloadTest, 2 clients
     * of 4 streams, 6 reloads: 31 of 3,029 queries lost, old connections open 5.1-5.9 s; now none
     * lost, 1.0-1.5 s).
     */
    @Override
    public void stopAccepting() {
        requests.closeConnectionsAfterReplies();
        if (connector.getTransport() instanceof java.nio.channels.ServerSocketChannel socket
                && stoppingQueued.compareAndSet(false, true)) {
            SocketAcceptor.acceptQueued(socket, socketClose, () -> !jetty.isRunning() || jetty.isFailed());
        }
        connector.setAccepting(false);
        if (connector.getTransport() instanceof java.nio.channels.ServerSocketChannel socket) {
            synchronized (socketClose) {
                SocketAcceptor.closeQuietly(socket);
            }
            connector.awaitAcceptReturned();
        }
        requests.goAwayAfterReplies();
    }

    /** coredns_dns_https_responses_total: the statuses this listener's requests were answered with. */
    @Override
    public void collect(MetricSource.Sink out, String server) {
        responses.collect(out, server);
    }

    @Override
    public void close() {
        synchronized (socketClose) { // Jetty closes the listening socket
            try {
                jetty.stop();
            } catch (Exception e) {
                // closing: its sockets are released whatever failed
            }
        }
    }

    /**
     * Jetty's connector with one acceptor thread, not accepting on the selector: out of file
     * descriptors (EMFILE) the selector's accept fails at once every time, and Jetty 12.1 logs a
     * warning with a stack trace for each and selects again at once (47 % of a core, 17,668
     * warnings in 3 s). An acceptor thread's failures go to {@link #handleAcceptFailure}: counted,
     * logged at most once per 10 s and retried after the pause {@link SocketStreamServer} takes
     * (5 ms doubling to 1 s, reset by the next accepted connection), where Jetty's own logs each
     * and sleeps 1 s.
     */
    private static final class Connector extends ServerConnector {
        /** How long a retiring listener waits for its acceptor to leave accept(2): a reload is not held longer. */
        private static final java.time.Duration ACCEPT_RETURN = java.time.Duration.ofSeconds(2);
        /** How often the acceptor looks again while {@link #MAX_ACCEPTED} sockets are open. */
        private static final long ACCEPT_WAIT = 1_000_000;
        private final LoopErrors errors;
        /** Counts the failures for {@code nodedns_loop_errors_total}, as a TCP or DoT server's: DoH is never handed over. */
        private final io.nodedns.server.Listener listener;
        /** The acceptor thread's current pause; only that thread touches it. */
        private long backoff;
        /**
         * Sockets accepted and queued for the selector thread, which has not made them endpoints
         * yet. A set, not a count: Jetty 12.1 reports onAccepted before it makes the endpoint, and
         * onAcceptFailed too when making it throws, so one socket may leave twice.
         */
        private final Set<SelectableChannel> selectorQueue = ConcurrentHashMap.newKeySet();
        /** True while the acceptor thread is in {@link #accept}: its accept(2) holds the socket open. */
        private volatile boolean inAccept;

        Connector(org.eclipse.jetty.server.Server jetty, LoopErrors errors, io.nodedns.server.Listener listener,
                org.eclipse.jetty.server.ConnectionFactory... factories) {
            super(jetty, 1, 1, factories);
            this.errors = errors;
            this.listener = listener;
            // Jetty reports each accepted socket it queues for the selector, then its endpoint (from
            // then on in getConnectedEndPoints), its failure (the queue's close included), or both
            getSelectorManager().addEventListener(new SelectorManager.AcceptListener() {
                @Override
                public void onAccepting(SelectableChannel channel) {
                    selectorQueue.add(channel);
                }

                @Override
                public void onAcceptFailed(SelectableChannel channel, Throwable cause) {
                    selectorQueue.remove(channel);
                }

                @Override
                public void onAccepted(SelectableChannel channel) {
                    selectorQueue.remove(channel);
                }
            });
        }

        @Override
        public void accept(int acceptorId) throws IOException {
            while (selectorQueue.size() + getConnectedEndPoints().size() >= MAX_ACCEPTED && isAccepting()
                    && isRunning()) {
                java.util.concurrent.locks.LockSupport.parkNanos(ACCEPT_WAIT);
            }
            inAccept = true;
            try {
                super.accept(acceptorId);
            } finally {
                inAccept = false;
            }
            backoff = 0;
        }

        /**
         * After the socket was closed: waits (at most {@link #ACCEPT_RETURN}) for the acceptor to
         * leave accept(2), which the close interrupted; the kernel socket is gone once it has.
         */
        void awaitAcceptReturned() {
            long deadline = System.nanoTime() + ACCEPT_RETURN.toNanos();
            while (inAccept && System.nanoTime() < deadline) {
                java.util.concurrent.locks.LockSupport.parkNanos(100_000);
            }
        }

        @Override
        protected boolean handleAcceptFailure(Throwable t) {
            // stopAccepting closes the socket and stop interrupts: the acceptor ends, nothing to count
            if (!isRunning() || !isAccepting() || !(getTransport() instanceof java.nio.channels.ServerSocketChannel s)
                    || !s.isOpen() || t instanceof InterruptedException) {
                return false;
            }
            errors.caught(t);
            listener.countAcceptError();
            backoff = SocketStreamServer.nextBackoff(backoff);
            java.util.concurrent.locks.LockSupport.parkNanos(backoff);
            return true;
        }
    }
}
