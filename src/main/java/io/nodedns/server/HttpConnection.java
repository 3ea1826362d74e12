package io.nodedns.server;

import java.io.IOException;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * One client of an {@link HttpListener}: a virtual thread reads its requests with blocking calls
 * and answers them one after another (HTTP/1.1 keep-alive; pipelined requests in order). While
 * it waits for a request's headers it is WAITING, and while it writes a reply WRITING: in both the
 * listener may evict it for a new connection at the cap (the one that has waited longest goes,
 * {@link ConnectionSet}), since a client that does not read its replies holds a connection as
 * surely as one that does not send. A connection whose first request waits unread in the kernel
 * (its thread has not run yet) refuses eviction as a busy one does: closing a socket with unread
 * bytes resets it, and a kubelet probe accepted behind clients that pipeline and never read (their
 * waits restart with each reply, so the probe had waited longest) was reset that way. From the
 * complete headers to the end of the reply, outside its writes, it is BUSY and cannot be evicted. The reaper closes it when the headers have not
 * come whole within the header timeout of the accept or the last reply, or when one write of a
 * reply has not finished within it.
 */
final class HttpConnection implements ConnectionSet.Member {
    private static final int WAITING = 0;
    private static final int BUSY = 1;
    private static final int WRITING = 2;
    private static final int CLOSED = 3;
    /** A probe's or scrape's request fits (100-400 bytes); larger headers grow it up to the listener's limit. */
    private static final int FIRST_BUFFER = 1024;
    private static final long LINGER_NANOS = 500_000_000L;
    private static final long LINGER_BYTES = 1 << 20;

    private final HttpListener listener;
    private final SocketChannel channel;
    private final AtomicInteger state = new AtomicInteger(WAITING);
    /** When it began waiting for a request or for a write to end (nanoTime), or 0 while BUSY. */
    private volatile long waitingSince;
    /** Once its thread has read a byte: from then on, what waits in the kernel is a client's pipelining, not a first request. */
    private volatile boolean readFrom;
    /** nanoTime by which the request's headers must be here (while WAITING). */
    private volatile long deadline;
    /** nanoTime by which the write under way must end; 0 while none is. */
    private volatile long writeDeadline;
    /** The request's bytes (and any pipelined after it): the reading thread's alone. */
    private byte[] buffer;
    private int filled;

    HttpConnection(HttpListener listener, SocketChannel channel, long now) {
        this.listener = listener;
        this.channel = channel;
        this.waitingSince = now;
        this.deadline = now + listener.headerTimeoutNanos;
        this.buffer = new byte[Math.min(FIRST_BUFFER, listener.maxHeaderBytes)];
    }

    /** The connection's virtual thread: reads and answers requests until either side closes. */
    void run() {
        try {
            while (true) {
                int end;
                int scanned = 0; // headerEnd resumes there: a trickled request is not rescanned from its start
                while ((end = HttpRequest.headerEnd(buffer, scanned, filled)) < 0) {
                    scanned = filled;
                    if (filled == buffer.length) {
                        if (buffer.length >= listener.maxHeaderBytes) {
                            if (becomeBusy()) {
                                reject(431, "Request Header Fields Too Large");
                                linger();
                            }
                            return;
                        }
                        buffer = Arrays.copyOf(buffer, Math.min(2 * buffer.length, listener.maxHeaderBytes));
                    }
                    int n = channel.read(ByteBuffer.wrap(buffer, filled, buffer.length - filled));
                    if (n < 0) {
                        return;
                    }
                    filled += n;
                    if (!readFrom) {
                        readFrom = true;
                    }
                }
                if (!becomeBusy()) {
                    return; // evicted or expired meanwhile
                }
                if (!serve(end)) {
                    linger();
                    return;
                }
                filled -= end;
                byte[] rest = filled <= FIRST_BUFFER && buffer.length > FIRST_BUFFER ? new byte[FIRST_BUFFER] : buffer;
                System.arraycopy(buffer, end, rest, 0, filled); // requests pipelined after this one
                buffer = rest;
                if (!state.compareAndSet(BUSY, WAITING)) {
                    return;
                }
                // evictable only from here: an eviction that picked it while BUSY would fail
                long now = System.nanoTime();
                deadline = now + listener.headerTimeoutNanos;
                waitingSince = now;
                if (filled > 0) {
                    // Pipelined requests already read would be answered back to back without a park
                    // (a read or write that need not wait does not park), and virtual threads are not
                    // preempted: a few clients pipelining thousands of requests would hold every
                    // carrier from the acceptor and the kubelet's probe. Queue behind them instead.
                    Thread.yield();
                }
            }
        } catch (IOException | RuntimeException e) {
            // closed by the reaper or an eviction, or a broken client: nobody else is affected
        } finally {
            close();
        }
    }

    /**
     * WAITING to BUSY, no longer evictable; false if it was closed meanwhile. waitingSince is
     * cleared first, so an eviction's scan does not pick a connection its evict() would refuse.
     */
    private boolean becomeBusy() {
        waitingSince = 0;
        deadline = 0;
        return state.compareAndSet(WAITING, BUSY);
    }

    /** Answers the request in {@code buffer[0, end)}; true if the connection stays open for the next. */
    private boolean serve(int end) throws IOException {
        HttpRequest request;
        try {
            request = HttpRequest.parse(buffer, end);
        } catch (HttpRequest.Rejected r) {
            reject(r.status, HttpExchange.reason(r.status) + (r.told ? ": " + r.getMessage() : ""));
            return false;
        }
        HttpExchange exchange = new HttpExchange(this, request);
        if (request.hasBody()) {
            exchange.closeAfterReply(); // its body is not read
        }
        if (!request.method().equals("GET") && !request.head()) {
            exchange.closeAfterReply();
            exchange.responseHeader("Allow", "GET, HEAD");
            HttpEndpoints.reply(exchange, 405, "Method Not Allowed\n");
            return false;
        }
        HttpHandler handler = listener.routes.get(request.path());
        if (handler == null) {
            HttpEndpoints.reply(exchange, 404, "404 page not found\n");
            return exchange.keepAlive();
        }
        try {
            handler.handle(exchange);
        } catch (IOException | RuntimeException e) {
            if (exchange.streamed()) {
                abort();
                return false;
            }
            if (e instanceof IOException io) {
                throw io; // the client's connection failed: nothing more can be sent
            }
            if (exchange.sent()) {
                return false;
            }
            exchange.closeAfterReply();
            HttpEndpoints.reply(exchange, 500, "Internal Server Error\n");
            return false;
        }
        if (!exchange.sent()) { // a route that forgot to answer must not leave the client waiting
            exchange.closeAfterReply();
            HttpEndpoints.reply(exchange, 500, "Internal Server Error\n");
        }
        return exchange.keepAlive();
    }

    /**
     * Before the server closes a connection the client may still write to (a rejected request, a
     * body it did not read): the write side is shut, and what the client still sends is read and
     * dropped for up to {@link #LINGER_NANOS} (at most {@link #LINGER_BYTES}), as RFC 9112 9.6
     * advises: closing with unread bytes sends a reset, which can destroy the reply before the
     * client reads it. Meanwhile the connection is the first one evicted for a new connection.
     */
    private void linger() {
        int s = state.get();
        if (s == CLOSED) {
            return;
        }
        try {
            channel.shutdownOutput();
            if (s == BUSY && !state.compareAndSet(BUSY, WAITING)) {
                return;
            }
            deadline = System.nanoTime() + LINGER_NANOS;
            waitingSince = Long.MIN_VALUE;
            ByteBuffer sink = ByteBuffer.wrap(buffer);
            for (long read = 0; read < LINGER_BYTES;) {
                int n = channel.read(sink.clear());
                if (n < 0) {
                    return;
                }
                read += n;
            }
        } catch (IOException e) {
            // the reaper's or an eviction's close ends it
        }
    }

    /**
     * Ends a close-delimited body cut short by a failure with a reset, not the close that ends a
     * whole one: the client cannot tell an incomplete such body otherwise (RFC 9112 8).
     */
    private void abort() {
        try {
            channel.setOption(StandardSocketOptions.SO_LINGER, 0);
        } catch (IOException e) {
            // closed already: the client saw the failure
        }
        close();
    }

    /**
     * What Go's net/http writes, byte for byte, for a request it cannot parse, before it closes
     * the connection: the status (with its reason after a colon where Go gives one, e.g. a missing
     * Host) as the status line's text and as the body, no Date, no Content-Length. Clients and
     * tests that know Go's replies see the same ones. Not through {@link HttpExchange}: there is
     * no request to answer.
     */
    private void reject(int status, String reason) throws IOException {
        write(ByteBuffer.wrap(("HTTP/1.1 " + status + " " + reason + "\r\nContent-Type: " + HttpEndpoints.TEXT
                + "\r\nConnection: close\r\n\r\n" + status + " " + reason).getBytes(StandardCharsets.ISO_8859_1)));
    }

    /**
     * Writes all of these (BUSY only), within the header timeout (the reaper closes the connection
     * past it). Meanwhile the connection is WRITING, evictable as waiting since the write began: a
     * client that pipelines requests and never reads would otherwise hold it for the whole timeout.
     */
    void write(ByteBuffer... buffers) throws IOException {
        long now = System.nanoTime();
        writeDeadline = now + listener.headerTimeoutNanos;
        waitingSince = now;
        if (!state.compareAndSet(BUSY, WRITING)) {
            throw new ClosedChannelException();
        }
        try {
            ByteBuffer last = buffers[buffers.length - 1];
            while (last.hasRemaining()) {
                channel.write(buffers);
            }
        } finally {
            waitingSince = 0;
            writeDeadline = 0;
        }
        if (!state.compareAndSet(WRITING, BUSY)) {
            throw new ClosedChannelException(); // evicted as the write ended
        }
    }

    @Override
    public long waitingSince() {
        return waitingSince;
    }

    /**
     * Closes it if it waits for a request or for a write to end (the acceptor makes room for a new
     * connection); false if it is answering one, or if its first request waits unread.
     */
    @Override
    public boolean evict() {
        int s = state.get();
        if ((s != WAITING && s != WRITING) || (s == WAITING && !readFrom && firstRequestUnread())
                || !state.compareAndSet(s, CLOSED)) {
            return false;
        }
        release();
        return true;
    }

    /** Bytes wait in the kernel for a thread that has read none (FIONREAD; an eviction's cold path only). */
    private boolean firstRequestUnread() {
        try {
            return channel.socket().getInputStream().available() > 0;
        } catch (IOException e) {
            return false; // closed or reset: nothing to lose
        }
    }

    @Override
    public void expireIfDue(long now) {
        int s = state.get();
        long due = s == WAITING ? deadline : s == WRITING ? writeDeadline : 0;
        if (due == 0 || now - due < 0 || (s == WAITING ? deadline : writeDeadline) != due) {
            return;
        }
        if (state.compareAndSet(s, CLOSED)) {
            release();
        }
    }

    @Override
    public void close() {
        if (state.getAndSet(CLOSED) != CLOSED) {
            release();
        }
    }

    /** Closes the channel (a blocked read or write in the connection's thread then fails) and frees its place. */
    private void release() {
        SocketAcceptor.closeQuietly(channel);
        listener.closed(this);
    }
}
