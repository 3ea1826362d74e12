package io.nodedns.server;

import io.nodedns.log.Log;
import io.nodedns.sys.LinuxSockets;
import io.nodedns.sys.StreamSockets;
import java.io.BufferedReader;
import java.io.IOException;
import java.net.Inet6Address;
import java.net.InetSocketAddress;
import java.net.StandardProtocolFamily;
import java.net.StandardSocketOptions;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.BooleanSupplier;
import java.util.concurrent.locks.LockSupport;

/**
 * A listening socket of its own ({@link SocketStreamServer} for DNS over TCP and TLS,
 * {@link HttpListener} for health, ready and metrics): bound with SO_REUSEPORT (reloads and HA
 * pairs bind the address beside it), an accepting virtual thread that admits each connection into
 * a {@link ConnectionSet} (evicting the longest-waiting at the cap) and hands it to
 * {@link #startConnection}, and the stop and close. Subclasses say how a connection is served.
 */
abstract class SocketAcceptor<C extends ConnectionSet.Member> {
    /**
     * The listen backlog of every stream listener (DNS over TCP and TLS, DoH, health, ready,
     * metrics, pprof): what Go's net.Listen passes on Linux, so as CoreDNS's listeners, the
     * kernel's {@code net.core.somaxconn} (the most it grants anyway), read once; 128, Go's
     * fallback, when it cannot be read. Connections past it have their handshakes dropped and are
     * accepted a SYN-ACK retransmission later (1 s, then 3 s...): a kubelet probe behind a client
     * reconnecting in a loop timed out. Its cost is kernel memory; docs/operations.md, "HTTP listeners".
     */
    static final int LISTEN_BACKLOG = listenBacklog(Path.of("/proc/sys/net/core/somaxconn"));
    private static final int GO_FALLBACK_BACKLOG = 128;
    private static final long FIRST_BACKOFF_NANOS = 5_000_000L;
    private static final long MAX_BACKOFF_NANOS = 1_000_000_000L;
    private static final long ADMIT_RETRY_NANOS = 5_000_000L;
    private static final long ADMIT_WAIT_NANOS = 1_000_000_000L;
    /** How long close() waits for the acceptor to end (it ends within microseconds once its socket is closed). */
    private static final Duration ACCEPTOR_EXIT = Duration.ofSeconds(1);
    /** The longest {@link #stopAcceptingQueued} waits for the acceptor to empty the queue (it takes microseconds a connection). */
    private static final Duration QUEUE_DRAIN = Duration.ofSeconds(1);
    /** Set once the socket filter was refused and that was logged: the reason is the same every time. */
    private static final AtomicBoolean FILTER_REFUSED_WARNED = new AtomicBoolean();
    final ConnectionSet<C> connections = new ConnectionSet<>();
    private final ServerSocketChannel server;
    private final String kind;
    private final String label;
    private final LoopErrors errors;
    private volatile boolean accepting = true;
    private volatile Thread acceptor;
    /** Held to close {@link #server}, and to call on its fd: a closed fd's number may already be another socket's. */
    private final Object serverClose = new Object();
    /** Set by the first {@link #stopAcceptingQueued}: a reload and a shutdown may retire it at once. */
    private final AtomicBoolean stoppingQueued = new AtomicBoolean();

    /** Binds {@code bindTo}; {@code kind} ("tcp", "tls", "http") and {@code label} name the threads and the error log. */
    SocketAcceptor(InetSocketAddress bindTo, String kind, String label) throws IOException {
        this.kind = kind;
        this.label = label;
        ServerSocketChannel socket = ServerSocketChannel.open(
                bindTo.getAddress() instanceof Inet6Address
                        ? StandardProtocolFamily.INET6
                        : StandardProtocolFamily.INET);
        try {
            socket.setOption(StandardSocketOptions.SO_REUSEADDR, true);
            socket.setOption(StandardSocketOptions.SO_REUSEPORT, true);
            socket.bind(bindTo, LISTEN_BACKLOG);
        } catch (IOException | RuntimeException e) {
            socket.close();
            throw e;
        }
        this.server = socket;
        this.errors = new LoopErrors(kind + " acceptor of " + label);
    }

    /** The first number in {@code somaxconn} if positive, else Go's fallback (128). */
    static int listenBacklog(Path somaxconn) {
        // one buffered read: an integer sysctl answers a read past offset 0 with end of file, and
        // Files.readString, seeing /proc's size of 0, got "4" of "4096"
        try (BufferedReader in = Files.newBufferedReader(somaxconn)) {
            String line = in.readLine();
            long n = Long.parseLong(line.trim().split("\\s+")[0]);
            return n > 0 ? (int) Math.min(n, Integer.MAX_VALUE) : GO_FALLBACK_BACKLOG;
        } catch (IOException | RuntimeException e) {
            return GO_FALLBACK_BACKLOG;
        }
    }

    /** The connection cap, read at each admission (a stream server's follows a reload's settings). */
    abstract int maxConnections();

    /**
     * Serves an admitted connection: adds it to {@link #connections} and starts what reads it. A
     * throw before the add leaves the socket to the acceptor, which closes it and gives the place back.
     */
    abstract void startConnection(SocketChannel socket) throws IOException;

    public void start() {
        connections.startReaper("nodedns-" + kind + "-deadlines");
        acceptor = Thread.ofVirtual().name("nodedns-" + kind + "-accept-" + label).start(this::acceptLoop);
    }

    /** The bound port (useful with port 0). */
    int localPort() {
        return server.socket().getLocalPort();
    }

    /**
     * The pause after a failed accept that followed a pause of {@code backoff} ns (0: none). A failed
     * accept is retried after a pause, 5 ms doubling to 1 s while accepts keep failing (Go's
     * net/http, which CoreDNS serves TCP with, does the same): out of file descriptors (EMFILE),
     * accept fails at once every time, and retrying at once would spin a carrier thread at 100 %
     * CPU beside the UDP loops while nothing can be accepted anyway.
     */
    static long nextBackoff(long backoff) {
        return backoff == 0 ? FIRST_BACKOFF_NANOS : Math.min(2 * backoff, MAX_BACKOFF_NANOS);
    }

    /** Accepts until stopped; a failure to serve one connection (even a failed allocation) never ends it. */
    private void acceptLoop() {
        long backoff = 0;
        while (accepting) {
            SocketChannel socket;
            try {
                socket = server.accept();
            } catch (Throwable t) {
                if (t instanceof IOException && (!accepting || !server.isOpen())) {
                    return;
                }
                acceptFailed(t);
                backoff = nextBackoff(backoff);
                LockSupport.parkNanos(backoff); // stopAccepting unparks
                continue;
            }
            backoff = 0;
            if (!admitSoon()) {
                closeQuietly(socket);
                continue;
            }
            try {
                socket.setOption(StandardSocketOptions.TCP_NODELAY, true);
                startConnection(socket);
            } catch (Throwable t) {
                connections.unadmit();
                closeQuietly(socket);
                if (!(t instanceof IOException)) {
                    acceptFailed(t);
                }
            }
        }
    }

    /**
     * Admits the connection just accepted. At the cap with every connection refusing eviction, the
     * acceptor holds the newcomer and asks again every 5 ms for up to 1 s before it closes it: a
     * connection whose first request still waits unread in the kernel (its thread has not run yet)
     * refuses, and under a reconnecting flood every connection could, only for as long as their
     * threads take to start; closing the newcomer at once then reset a kubelet probe (its request
     * unread). Connections that arrive meanwhile wait in the listen backlog. Past 1 s every
     * connection is really being answered, and the newcomer is closed as before. While a retired
     * socket's queue is being taken ({@link #stopAcceptingQueued}) the cap does not hold: those
     * connections are served once and closed, and waiting here would leave the queue to be reset.
     */
    private boolean admitSoon() {
        long giveUp = System.nanoTime() + ADMIT_WAIT_NANOS;
        while (!connections.admit(stoppingQueued.get() ? Integer.MAX_VALUE : maxConnections())) {
            if (!accepting || System.nanoTime() - giveUp > 0) {
                return false;
            }
            LockSupport.parkNanos(ADMIT_RETRY_NANOS); // stopAccepting unparks
        }
        return true;
    }

    void closed(C connection) {
        connections.remove(connection);
    }

    /** True when the accepting thread has ended while it should accept. */
    public boolean failed() {
        Thread a = acceptor;
        return accepting && a != null && !a.isAlive();
    }

    public int openConnections() {
        return connections.open();
    }

    /**
     * A throwable the acceptor caught (it goes on): logged at most once per 10 s. A stream server
     * also counts it for the listener it serves for ({@link SocketStreamServer}).
     */
    void acceptFailed(Throwable t) {
        errors.caught(t);
    }

    /** Whether it is closed for good: its listening socket, its acceptor and its deadline reaper gone (tests). */
    boolean ended() {
        Thread a = acceptor;
        Thread r = connections.reaper();
        return !server.isOpen() && (a == null || !a.isAlive()) && (r == null || !r.isAlive());
    }

    /** Test hook: closes the listening socket as if it failed, so the acceptor ends while it should accept. */
    void abandonAcceptorForTest() {
        synchronized (serverClose) {
            closeQuietly(server);
        }
    }

    /**
     * Stops accepting without resetting the connections the kernel queued on the socket: where it
     * can, drops new connections' SYNs first ({@link StreamSockets#dropNewConnections}: their
     * clients send their SYN again, to the socket that replaces this one), accepts until the queue
     * is empty (at most {@link #QUEUE_DRAIN}), then stops. CoreDNS's Go listener closes with its queue.
     */
    void stopAcceptingQueued() {
        if (stoppingQueued.compareAndSet(false, true)) {
            LockSupport.unpark(acceptor); // one held at the cap (admitSoon) is admitted now
            acceptQueued(server, serverClose, this::failed);
        }
        stopAccepting();
    }

    /**
     * Drops new connections to {@code socket} (where the socket filter can be attached) and waits
     * until its acceptor has taken what the kernel queued, at most {@link #QUEUE_DRAIN}, or until
     * {@code acceptorGone}; the caller then closes it (also DohServer's Jetty socket). Every call on
     * its fd is made holding {@code closeLock}, which whoever closes {@code socket} holds too: once
     * closed, its fd number may already be a new socket's (one of the next listener's), which the
     * filter would make drop every SYN.
     *
     * <p>The filter drops SYNs only ({@link StreamSockets#dropNewConnections}): a handshake half
     * done (SYN_RECV) when it is attached still completes into the queue (dropping every packet
     * reset it at the close: DropNewConnectionsTest), and a connection created from the listening
     * socket just after inherits a filter that never meets a SYN. A handshake that completes after
     * the queue was found empty is still reset at the close.
     */
    static void acceptQueued(ServerSocketChannel socket, Object closeLock, BooleanSupplier acceptorGone) {
        if (StreamSockets.unavailableReason() != null) {
            return;
        }
        synchronized (closeLock) {
            int fd = LinuxSockets.fd(socket);
            if (fd < 0 || !socket.isOpen()) {
                return;
            }
            String refused = StreamSockets.dropNewConnections(fd);
            if (refused != null) {
                if (FILTER_REFUSED_WARNED.compareAndSet(false, true)) {
                    Log.warning("", "a retired tcp listening socket closes with the connections it queued (they are"
                            + " reset): " + refused);
                }
                return;
            }
        }
        long deadline = System.nanoTime() + QUEUE_DRAIN.toNanos();
        while (System.nanoTime() - deadline < 0 && !acceptorGone.getAsBoolean()) {
            int queued;
            synchronized (closeLock) {
                queued = socket.isOpen() ? StreamSockets.acceptQueue(LinuxSockets.fd(socket)) : 0;
            }
            if (queued <= 0) {
                return;
            }
            LockSupport.parkNanos(1_000_000);
        }
    }

    /** Stops accepting connections; open ones are served until {@link #close}. */
    public void stopAccepting() {
        accepting = false;
        synchronized (serverClose) {
            closeQuietly(server);
        }
        Thread a = acceptor;
        if (a != null) {
            LockSupport.unpark(a); // a paused acceptor ends now, not after its back-off
        }
    }

    /**
     * Stops accepting and closes every connection. The acceptor is waited for (briefly) first: one
     * it accepted just before the stop would otherwise join the set after stop() closed its
     * members, and stay open with no reaper.
     */
    public void close() {
        stopAccepting();
        awaitAcceptorExit();
        connections.stop();
        Thread a = acceptor;
        if (a != null) {
            a.interrupt();
        }
    }

    /** After {@link #stopAccepting}: waits (briefly) until the acceptor has ended, so no connection joins the set after. */
    void awaitAcceptorExit() {
        Thread a = acceptor;
        if (a != null && a != Thread.currentThread()) {
            try {
                a.join(ACCEPTOR_EXIT);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    static void closeQuietly(java.io.Closeable c) {
        try {
            c.close();
        } catch (IOException ignored) {
            // closing: nothing to report
        }
    }
}
