package io.nodedns.server;

import io.nodedns.wire.DnsHeader;
import io.nodedns.wire.RecordWalker;
import io.nodedns.wire.Records;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Function;
import org.agrona.concurrent.UnsafeBuffer;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.http.HttpHeaderValue;
import org.eclipse.jetty.http.HttpFields;
import org.eclipse.jetty.http2.HTTP2Connection;
import org.eclipse.jetty.io.Content;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.HttpStream;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;
import org.eclipse.jetty.util.thread.Scheduler;

/**
 * DNS over HTTPS requests (RFC 8484) as CoreDNS's core/dnsserver/server_https.go answers them,
 * over whichever HTTP version Jetty negotiated: {@code /dns-query} only (else 404), GET with a
 * base64url {@code dns} parameter or POST with the message as body (other methods, a missing or
 * repeated parameter, an undecodable or oversized message, a body not read within {@code read}:
 * 400; CoreDNS reads no content type), the reply as {@code application/dns-message} with
 * {@code Cache-Control: max-age} of its smallest TTL (CoreDNS dnsutil.MinimalTTL: at most an hour,
 * 5 s for other rcodes or an empty reply), 500 when the chain gives no reply. A body a reply does
 * not use is read and dropped first, within a POST body's bounds, so the connection carries the
 * next request ({@link #discard}). Queries run on the request's virtual thread
 * through the listener's chain, as DNS over TLS ones do ({@link WorkPool#answer}).
 */
final class DohRequests extends Handler.Abstract {
    static final String PATH = "/dns-query";
    static final String MIME = "application/dns-message";
    /** CoreDNS plugin/pkg/doh maxDNSQuerySize, and the base64 text of that many bytes. */
    static final int MAX_MESSAGE = 65536;
    static final int MAX_BASE64 = (MAX_MESSAGE * 8 + 5) / 6;
    private static final int MIN_TTL = 5;
    private static final int MAX_TTL = 3600;

    private final io.nodedns.server.Listener listener; // qualified: Jetty's Handler inherits two Listener types
    private final WorkPool pool;
    private final DohConnections connections;
    /** Counts each reply's status off its request's stream ({@link DohResponses#wrap}). */
    private final Function<HttpStream, HttpStream> counting;
    private final long idleMillis;
    private final long readMillis;
    /** Set once the listener retired: each HTTP/1.1 reply closes its connection, so none is cut between requests. */
    private volatile boolean closingConnections;
    /** Set after {@link #closingConnections} once the socket is closed: each HTTP/2 reply ends its session. */
    private volatile boolean goingAway;

    DohRequests(io.nodedns.server.Listener listener, WorkPool pool, DohResponses responses,
            DohConnections connections, long idleMillis, long readMillis) {
        this.listener = listener;
        this.pool = pool;
        this.connections = connections;
        this.counting = responses::wrap;
        this.idleMillis = idleMillis;
        this.readMillis = readMillis;
    }

    /**
     * The listener retired: HTTP/1.1 replies from now on say {@code Connection: close} and close
     * their connection after them (RFC 9112 9.6), so a client never sends a request on a connection
     * the server closes meanwhile, as closing an idle one may.
     */
    void closeConnectionsAfterReplies() {
        closingConnections = true;
    }

    /**
     * The listener's socket is closed: HTTP/2 connections, where {@code Connection: close} means
     * nothing (RFC 9113 8.2.2), are sent a GOAWAY (RFC 9113 6.8), those that have carried a request
     * now and the others after their next reply, so their clients' next streams go to a new
     * connection. Not before a request: a connection's SETTINGS go out once its client preface is
     * read, and must be its first frame (RFC 9113 3.4).
     */
    void goAwayAfterReplies() {
        goingAway = true;
        connections.goAway();
    }

    @Override
    public boolean handle(Request request, Response response, Callback callback) throws IOException {
        request.addHttpStreamWrapper(counting);
        org.eclipse.jetty.io.EndPoint endPoint = request.getConnectionMetaData().getConnection().getEndPoint();
        DohConnections.Socket socket = connections.of(endPoint);
        if (socket != null) {
            // busy, not evicted for a new connection, until the stream completes however it ends
            socket.begin();
            if (request.getConnectionMetaData().getConnection() instanceof HTTP2Connection h2) {
                socket.carries(h2.getSession());
            }
            request.addHttpStreamWrapper(stream -> new HttpStream.Wrapper(stream) {
                @Override
                public void succeeded() {
                    super.succeeded();
                    ended(socket);
                }

                @Override
                public void failed(Throwable x) {
                    super.failed(x);
                    ended(socket);
                }
            });
        }
        // the connection has sent a request: from now on it may wait `idle` for the next (DohServer)
        if (endPoint.getIdleTimeout() != idleMillis) {
            endPoint.setIdleTimeout(idleMillis);
        }
        if (!PATH.equals(request.getHttpURI().getDecodedPath())) {
            return error(request, response, callback, 404, "", drained(request));
        }
        String method = request.getMethod();
        if (!"GET".equals(method) && !"POST".equals(method)) {
            // CoreDNS doh.RequestToMsg: "method not allowed"
            return error(request, response, callback, 400, "invalid request", drained(request));
        }
        // the work is taken before the body is read: the listener's bound covers what bodies hold
        TcpWork work = pool.take();
        if (work == null) {
            listener.countTcpShed();
            return error(request, response, callback, 503, "busy", settled(request)); // no work to wait for a body with
        }
        byte[] reply;
        boolean whole; // the body is read to its end: the connection can carry the next request
        try {
            byte[] query;
            if ("GET".equals(method)) {
                query = fromParameter(request);
                long dropped = dropArrived(request);
                whole = dropped < 0 || discard(request, dropped);
            } else {
                query = body(request);
                whole = query != null;
            }
            if (query == null || query.length < 12) {
                return error(request, response, callback, 400, "invalid request", whole);
            }
            reply = WorkPool.answer(work, listener,
                    (InetSocketAddress) request.getConnectionMetaData().getRemoteSocketAddress(), query, query.length);
        } finally {
            pool.giveBack(work);
        }
        if (reply == null) {
            return error(request, response, callback, 500, "No response", whole);
        }
        response.setStatus(200);
        HttpFields.Mutable h = response.getHeaders();
        closeUnless(whole, request, h);
        h.put(HttpHeader.CONTENT_TYPE, MIME);
        h.put(HttpHeader.CACHE_CONTROL, "max-age=" + maxAge(reply));
        h.put(HttpHeader.CONTENT_LENGTH, reply.length);
        response.write(true, ByteBuffer.wrap(reply), callback);
        return true;
    }

    /** The message of the single {@code dns} parameter (base64url, RFC 8484 4.1), or null. */
    private static byte[] fromParameter(Request request) {
        List<String> values;
        try {
            values = Request.extractQueryParameters(request, StandardCharsets.UTF_8).getValues("dns");
        } catch (RuntimeException badEncoding) {
            return null;
        }
        // CoreDNS: "no 'dns' query parameter found", "multiple 'dns' query values found"
        if (values == null || values.size() != 1 || values.getFirst().length() > MAX_BASE64) {
            return null;
        }
        try {
            return Base64.getUrlDecoder().decode(values.getFirst());
        } catch (IllegalArgumentException e) {
            return null;
        }
    }

    /**
     * A POST body of at most {@link #MAX_MESSAGE} bytes (CoreDNS's http.MaxBytesReader), or null
     * when it is longer or does not come whole within {@code read} (CoreDNS answers a body it
     * cannot read 400 too). One byte past the bound is read, not refused unread: a client still
     * sending (an HTTP/2 stream waiting for window, an HTTP/1.1 body) would see a reset or a broken
     * pipe, not the 400 (so a too long Content-Length is read too); the caller holds a work, so at
     * most {@link TcpServer#MAX_BUSY} bodies are read at once.
     */
    private byte[] body(Request request) {
        Scheduler.Task deadline = readDeadline(request);
        try {
            byte[] body = Content.Source.asInputStream(request).readNBytes(MAX_MESSAGE + 1);
            return body.length > MAX_MESSAGE ? null : body;
        } catch (IOException notInTime) {
            return null;
        } finally {
            deadline.cancel();
        }
    }

    /**
     * Jetty's idle timeout restarts at every byte: a body trickled a byte at a time would hold the
     * work for ever. The whole body must come within {@code read}, as Go's http.Server ReadTimeout.
     */
    private Scheduler.Task readDeadline(Request request) {
        return request.getComponents().getScheduler().schedule(
                () -> request.fail(new TimeoutException("body not read within " + readMillis + " ms")), readMillis,
                TimeUnit.MILLISECONDS);
    }

    /**
     * Whether the body has no bytes or all of them have come (they are dropped here), so the reply
     * needs no wait for more of it.
     */
    private static boolean settled(Request request) {
        return dropArrived(request) < 0;
    }

    /**
     * Drops what of the body has come: -1 when that was all of it, else how many bytes were
     * dropped (more is to come, or it will not). Not Jetty's consumeAvailable: that fails the
     * body's later reads when some of it is still to come, and {@link #discard} then could not
     * wait for it.
     */
    private static long dropArrived(Request request) {
        if (request.getLength() == 0) {
            return -1;
        }
        long dropped = 0;
        while (dropped <= MAX_MESSAGE) {
            Content.Chunk chunk = request.read();
            if (chunk == null || Content.Chunk.isFailure(chunk)) {
                return dropped;
            }
            dropped += chunk.remaining();
            boolean last = chunk.isLast(); // read before release: a released chunk may be reused
            chunk.release();
            if (last) {
                return -1;
            }
        }
        return dropped;
    }

    /**
     * Whether the body was read to its end: what has come dropped, or else the rest read and
     * dropped ({@link #discard}) with one of the listener's works, the bound POST bodies are read
     * under; false when none is free.
     */
    private boolean drained(Request request) {
        long dropped = dropArrived(request);
        if (dropped < 0) {
            return true;
        }
        TcpWork work = pool.take();
        if (work == null) {
            return false;
        }
        try {
            return discard(request, dropped);
        } finally {
            pool.giveBack(work);
        }
    }

    /**
     * Reads and drops the rest of a body this request does not use, as web servers do before an
     * error reply, so that an HTTP/1.x connection carries the client's next request rather than
     * being closed under it, and an HTTP/2 stream ends without a reset (which a client may see
     * before the reply): at most {@link #MAX_MESSAGE} bytes in all with the {@code dropped} ones
     * already read (fewer if Content-Length says so) within {@code read}, the bounds of a POST body.
     * False when more comes, or not in time: an HTTP/1.x reply then says the connection closes. The
     * caller holds a work.
     */
    private boolean discard(Request request, long dropped) {
        if (dropped > MAX_MESSAGE) {
            return false;
        }
        long left = MAX_MESSAGE - dropped;
        Scheduler.Task deadline = readDeadline(request);
        try {
            // skip reads until the end or the bound: at most `left` bytes more means the end came
            return Content.Source.asInputStream(request).skip(left + 1) <= left;
        } catch (IOException notInTime) {
            return false;
        } finally {
            deadline.cancel();
        }
    }

    /** A request of {@code socket} has completed: once the listener retired its HTTP/2 session goes away. */
    private void ended(DohConnections.Socket socket) {
        socket.end();
        if (goingAway) {
            socket.goAway();
        }
    }

    /**
     * Jetty closes an HTTP/1.x connection after a reply to a request whose body was not read to
     * its end, once the reply is sent: it says so, or an HTTP/1.1 client sends its next request on
     * the closing connection and sees a broken pipe.
     */
    private void closeUnless(boolean whole, Request request, HttpFields.Mutable h) {
        if ((!whole || closingConnections) && request.getConnectionMetaData().getHttpVersion().getVersion() < 20) {
            h.put(HttpHeader.CONNECTION, HttpHeaderValue.CLOSE.asString());
        }
    }

    /**
     * Seconds a reply may be cached by HTTP caches (RFC 8484 5.1): CoreDNS dnsutil.MinimalTTL, the
     * smallest TTL of its records other than OPT, at most an hour; 5 s for an rcode other than
     * NOERROR and NXDOMAIN, or a reply without records.
     */
    static int maxAge(byte[] reply) {
        UnsafeBuffer b = new UnsafeBuffer(reply);
        int rcode = reply.length < 4 ? -1 : DnsHeader.rcode(b, 0);
        RecordWalker w = new RecordWalker();
        if ((rcode != DnsHeader.RCODE_NOERROR && rcode != DnsHeader.RCODE_NXDOMAIN)
                || w.wrap(b, 0, reply.length) != 0) {
            return MIN_TTL;
        }
        int min = MAX_TTL;
        boolean any = false;
        while (w.next()) {
            if (w.type() == Records.TYPE_OPT) {
                continue;
            }
            any = true;
            min = (int) Math.min(min, Integer.toUnsignedLong(w.ttl()));
        }
        return any ? min : MIN_TTL;
    }

    /** Go's http.Error: the text and a newline, as plain text; {@code whole}: see {@link #closeUnless}. */
    private boolean error(Request request, Response response, Callback callback, int status, String text,
            boolean whole) {
        byte[] body = (text + "\n").getBytes(StandardCharsets.UTF_8);
        response.setStatus(status);
        HttpFields.Mutable h = response.getHeaders();
        closeUnless(whole, request, h);
        h.put(HttpHeader.CONTENT_TYPE, "text/plain; charset=utf-8");
        h.put("X-Content-Type-Options", "nosniff");
        h.put(HttpHeader.CONTENT_LENGTH, body.length);
        response.write(true, ByteBuffer.wrap(body), callback);
        return true;
    }
}
