package io.nodedns.upstream;

import io.nodedns.log.Log;
import java.io.BufferedInputStream;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.util.ArrayDeque;
import java.util.concurrent.atomic.LongAdder;

/**
 * Cached TCP connections to one upstream (CoreDNS plugin/pkg/proxy/persistent.go) and the blocking exchange over them. Runs on
 * virtual threads (TCP clients, force_tcp, truncated-UDP retries, DNS over TLS), never on a UDP
 * loop. A dial takes the oldest idle connection (FIFO), closing those idle past {@code expire} or
 * older than {@code max_age}; a connection is returned after a clean exchange and closed on any
 * error. With a {@link TlsClient} every connection is DNS over TLS (RFC 7858): the handshake
 * (chain and name checked) is part of the dial, and a failed one is counted and logged.
 */
public final class TcpPool {
    private static final long MIN_DIAL_NANOS = 1_000_000_000L;
    private static final long MAX_DIAL_NANOS = 30_000_000_000L;

    private final InetSocketAddress address;
    private final ConnOptions options;
    private final TlsClient tls;
    private final LongAdder handshakeFailures = new LongAdder();
    private volatile long lastHandshakeLog;
    private long suppressedHandshakeLogs;
    /** TLS handshakes in flight at once per upstream; see {@link #takeOrWait}. */
    static final int MAX_TLS_DIALS = 4;
    private int dialing;
    private final ArrayDeque<Conn> idle = new ArrayDeque<>();
    private final LongAdder hits = new LongAdder();
    private final LongAdder misses = new LongAdder();
    private volatile long averageDialNanos = MAX_DIAL_NANOS / 2; // first timeout: 2 x avg = 30 s
    private boolean closed;

    private static final class Conn {
        final Socket socket;
        final DataInputStream in;
        final OutputStream out;
        final long created;
        long lastUsed;

        Conn(Socket socket, long now) throws IOException {
            this.socket = socket;
            // small read buffer: a reply's length and body come in one or two reads anyway
            this.in = new DataInputStream(new BufferedInputStream(socket.getInputStream(), 512));
            this.out = socket.getOutputStream();
            this.created = now;
            this.lastUsed = now;
        }
    }

    public TcpPool(InetSocketAddress address, ConnOptions options) {
        this(address, options, null);
    }

    /** @param tls DNS over TLS with this client, or null for plain TCP */
    public TcpPool(InetSocketAddress address, ConnOptions options, TlsClient tls) {
        this.address = address;
        this.options = options;
        this.tls = tls;
    }

    /** The transport as CoreDNS's metrics name it: "tcp" or "tcp-tls". */
    public String proto() {
        return tls == null ? "tcp" : "tcp-tls";
    }

    public TlsClient tls() {
        return tls;
    }

    /**
     * Sends {@code query[0, length)} (its ID already set) and reads the reply whose ID is
     * {@code id} into {@code reply}; frames with another ID are skipped. A cached connection the
     * peer has closed is retried once on a fresh one, as CoreDNS does.
     *
     * @return the reply length
     * @throws IOException on any failure, a {@link SocketTimeoutException} past the deadline
     */
    public int exchange(byte[] query, int length, int id, byte[] reply, long deadlineNanos) throws IOException {
        Conn conn = tls == null ? take() : takeOrWait(deadlineNanos);
        boolean cached = conn != null;
        if (cached) {
            hits.increment();
        } else {
            misses.increment();
            conn = tls == null ? dial(deadlineNanos) : dialLimited(deadlineNanos, true);
        }
        try {
            return exchangeOn(conn, query, length, id, reply, deadlineNanos);
        } catch (SocketTimeoutException e) {
            throw e;
        } catch (IOException e) {
            if (!cached) {
                throw e;
            }
        }
        misses.increment();
        Conn fresh = tls == null ? dial(deadlineNanos) : dialLimited(deadlineNanos, false);
        return exchangeOn(fresh, query, length, id, reply, deadlineNanos);
    }

    /** One round trip on {@code conn}, which then goes back to the pool, or is closed if it failed. */
    private int exchangeOn(Conn conn, byte[] query, int length, int id, byte[] reply, long deadlineNanos)
            throws IOException {
        try {
            int n = roundTrip(conn, query, length, id, reply, deadlineNanos);
            give(conn);
            return n;
        } catch (IOException e) {
            closeQuietly(conn.socket);
            throw e;
        }
    }

    /** One exchange on a new connection that is closed afterwards (health probes). */
    public int exchangeFresh(byte[] query, int length, int id, byte[] reply, long deadlineNanos) throws IOException {
        Conn conn = dial(deadlineNanos);
        try {
            return roundTrip(conn, query, length, id, reply, deadlineNanos);
        } finally {
            closeQuietly(conn.socket);
        }
    }

    private static int roundTrip(Conn c, byte[] query, int length, int id, byte[] reply, long deadline)
            throws IOException {
        // one write: one TCP segment, one TLS record (a connection holds no 64 KiB write buffer)
        byte[] frame = new byte[2 + length];
        frame[0] = (byte) (length >>> 8);
        frame[1] = (byte) length;
        System.arraycopy(query, 0, frame, 2, length);
        c.out.write(frame);
        c.out.flush();
        while (true) {
            c.socket.setSoTimeout(remainingMillis(deadline));
            int n = c.in.readUnsignedShort();
            c.in.readFully(reply, 0, n);
            if (n >= 2 && (((reply[0] & 0xFF) << 8) | (reply[1] & 0xFF)) == id) {
                return n;
            }
        }
    }

    private Conn dial(long deadlineNanos) throws IOException {
        long timeout = Math.min(Math.max(2 * averageDialNanos, MIN_DIAL_NANOS), MAX_DIAL_NANOS);
        timeout = Math.min(timeout, deadlineNanos - System.nanoTime());
        if (timeout <= 0) {
            throw new SocketTimeoutException("dial tcp " + Upstream.label(address) + ": i/o timeout");
        }
        Socket s = new Socket();
        long start = System.nanoTime();
        try {
            s.setTcpNoDelay(true);
            if (options.source() != null) {
                s.bind(new InetSocketAddress(options.source(), 0));
            }
            s.connect(address, (int) Math.max(1, timeout / 1_000_000));
        } catch (SocketTimeoutException e) {
            closeQuietly(s);
            throw new SocketTimeoutException("dial tcp " + Upstream.label(address) + ": i/o timeout");
        } catch (IOException e) {
            closeQuietly(s);
            throw new IOException("dial tcp " + Upstream.label(address) + ": " + reason(e), e);
        }
        Socket connected = s;
        if (tls != null) {
            long left = Math.min(timeout - (System.nanoTime() - start), deadlineNanos - System.nanoTime());
            try {
                connected = tls.handshake(s, address, (int) Math.max(1, left / 1_000_000));
            } catch (IOException e) {
                closeQuietly(s);
                handshakeFailed(e);
                throw e;
            }
        }
        long took = System.nanoTime() - start;
        averageDialNanos = averageDialNanos + (took - averageDialNanos) / 4; // CoreDNS: 1/4 weight per sample
        return new Conn(connected, System.nanoTime());
    }

    /**
     * A certificate the upstream should not have is an operator's problem, not a client's: one
     * warning per upstream every 10 s (with how many were left out), whether or not the block has
     * the errors plugin.
     */
    private void handshakeFailed(IOException e) {
        handshakeFailures.increment();
        long now = System.nanoTime();
        long skipped;
        synchronized (handshakeFailures) {
            if (lastHandshakeLog != 0 && now - lastHandshakeLog < HANDSHAKE_LOG_NANOS) {
                suppressedHandshakeLogs++;
                return;
            }
            lastHandshakeLog = now;
            skipped = suppressedHandshakeLogs;
            suppressedHandshakeLogs = 0;
        }
        Log.warning("forward", e.getMessage() + (skipped > 0 ? " (" + skipped + " more in the last 10s)" : ""));
    }

    private static final long HANDSHAKE_LOG_NANOS = 10_000_000_000L;

    /**
     * TLS only: an idle connection, or null once this caller may dial. A handshake costs
     * milliseconds of CPU (much more before the JIT has compiled the crypto), so at most
     * {@link #MAX_TLS_DIALS} run at once per upstream; the others wait for a connection to come
     * back or for a dial slot. Without the cap a burst of queries on a cold pool started a
     * handshake each, none finished within the read timeout, every retry started another: 100
     * concurrent clients got 2 answers a second (bench/dot.sh).
     */
    private Conn takeOrWait(long deadlineNanos) throws IOException {
        while (true) {
            Conn c = take();
            if (c != null) {
                return c;
            }
            synchronized (this) {
                if (dialing < MAX_TLS_DIALS) {
                    dialing++;
                    return null; // the caller dials with dialLimited(.., true), which gives the slot back
                }
                try {
                    wait(remainingMillis(deadlineNanos));
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new java.io.InterruptedIOException("interrupted");
                }
            }
        }
    }

    /** Dials holding a TLS dial slot: the one {@link #takeOrWait} granted, else one waited for here. */
    private Conn dialLimited(long deadlineNanos, boolean haveSlot) throws IOException {
        if (!haveSlot) {
            synchronized (this) {
                while (dialing >= MAX_TLS_DIALS) {
                    try {
                        wait(remainingMillis(deadlineNanos));
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                        throw new java.io.InterruptedIOException("interrupted");
                    }
                }
                dialing++;
            }
        }
        try {
            return dial(deadlineNanos);
        } finally {
            synchronized (this) {
                dialing--;
                notifyAll();
            }
        }
    }

    private Conn take() {
        long now = System.nanoTime();
        synchronized (this) {
            Conn c;
            while ((c = idle.pollFirst()) != null) {
                if (expired(c, now)) {
                    closeQuietly(c.socket);
                    continue;
                }
                return c;
            }
            return null;
        }
    }

    private void give(Conn c) {
        c.lastUsed = System.nanoTime();
        synchronized (this) {
            int max = options.maxIdleConns();
            if (!closed && (max <= 0 || idle.size() < max)) {
                idle.addLast(c);
                notifyAll(); // a query waiting for a TLS connection takes this one
                return;
            }
        }
        closeQuietly(c.socket);
    }

    private boolean expired(Conn c, long now) {
        if (now - c.lastUsed > options.expire().toNanos()) {
            return true;
        }
        long maxAge = options.maxAge().toNanos();
        return maxAge > 0 && now - c.created > maxAge;
    }

    /** Closes idle connections past expire or max_age (the periodic sweeper calls this). */
    public void sweep() {
        long now = System.nanoTime();
        synchronized (this) {
            idle.removeIf(c -> {
                if (expired(c, now)) {
                    closeQuietly(c.socket);
                    return true;
                }
                return false;
            });
        }
    }

    /** Closes every idle connection; connections returned later are closed too. */
    public void close() {
        synchronized (this) {
            closed = true;
            idle.forEach(c -> closeQuietly(c.socket));
            idle.clear();
        }
    }

    public synchronized int idleCount() {
        return idle.size();
    }

    /** TLS handshakes that failed (certificate, name, protocol, timeout); 0 for plain TCP. */
    public long handshakeFailures() {
        return handshakeFailures.sum();
    }

    /** coredns_proxy_conn_cache_hits_total{proto="tcp"} (or "tcp-tls"). */
    public long hits() {
        return hits.sum();
    }

    /** coredns_proxy_conn_cache_misses_total{proto="tcp"}. */
    public long misses() {
        return misses.sum();
    }

    static int remainingMillis(long deadlineNanos) throws SocketTimeoutException {
        long left = (deadlineNanos - System.nanoTime()) / 1_000_000;
        if (left <= 0) {
            throw new SocketTimeoutException("i/o timeout");
        }
        return (int) Math.min(Integer.MAX_VALUE, left);
    }

    static String reason(IOException e) {
        if (e instanceof EOFException) {
            return "EOF";
        }
        String m = e.getMessage();
        if (m == null) {
            return e.getClass().getSimpleName();
        }
        return m.startsWith("Connection refused") ? "connect: connection refused" : m;
    }

    static void closeQuietly(java.io.Closeable c) {
        try {
            c.close();
        } catch (IOException ignored) {
            // closing anyway
        }
    }
}
