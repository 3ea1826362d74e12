package io.nodedns.server;

import io.nodedns.wire.RecordWalker;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.agrona.concurrent.UnsafeBuffer;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.http.HttpHeaderValue;
import org.eclipse.jetty.http.HttpFields;
import org.eclipse.jetty.io.Content;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;
import org.eclipse.jetty.util.thread.Scheduler;

/**
 * DNS over HTTPS requests (RFC 8484) as CoreDNS's core/dnsserver/server_https.go answers them,
 * over whichever HTTP version Jetty negotiated: {@code /dns-query} only (else 404), GET with a
 * base64url {@code dns} parameter or POST with the message as body (other methods, a missing or
 * repeated parameter, an undecodable or oversized message: 400; CoreDNS reads no content type),
 * the reply as {@code application/dns-message} with {@code Cache-Control: max-age} of its smallest
 * TTL (CoreDNS dnsutil.MinimalTTL: at most an hour, 5 s for other rcodes or an empty reply), 500
 * when the chain gives no reply. Queries run on the request's virtual thread through the
 * listener's chain, as DNS over TLS ones do ({@link WorkPool#answer}).
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
    private final long idleMillis;
    private final long readMillis;

    DohRequests(io.nodedns.server.Listener listener, WorkPool pool, long idleMillis, long readMillis) {
        this.listener = listener;
        this.pool = pool;
        this.idleMillis = idleMillis;
        this.readMillis = readMillis;
    }

    @Override
    public boolean handle(Request request, Response response, Callback callback) throws IOException {
        // the connection has sent a request: from now on it may wait `idle` for the next (DohServer)
        org.eclipse.jetty.io.EndPoint endPoint = request.getConnectionMetaData().getConnection().getEndPoint();
        if (endPoint.getIdleTimeout() != idleMillis) {
            endPoint.setIdleTimeout(idleMillis);
        }
        if (!PATH.equals(request.getHttpURI().getDecodedPath())) {
            return error(request, response, callback, 404, "");
        }
        String method = request.getMethod();
        if (!"GET".equals(method) && !"POST".equals(method)) {
            return error(request, response, callback, 400, "invalid request"); // CoreDNS doh.RequestToMsg: "method not allowed"
        }
        // the work is taken before the body is read: the listener's bound covers what bodies hold
        TcpWork work = pool.take();
        if (work == null) {
            return error(request, response, callback, 503, "busy");
        }
        byte[] reply;
        try {
            byte[] query = "GET".equals(method) ? fromParameter(request) : body(request, readMillis);
            if (query == null || query.length < 12) {
                return error(request, response, callback, 400, "invalid request");
            }
            reply = WorkPool.answer(work, listener,
                    (InetSocketAddress) request.getConnectionMetaData().getRemoteSocketAddress(), query, query.length);
        } finally {
            pool.giveBack(work);
        }
        if (reply == null) {
            return error(request, response, callback, 500, "No response");
        }
        response.setStatus(200);
        HttpFields.Mutable h = response.getHeaders();
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
     * A POST body of at most {@link #MAX_MESSAGE} bytes (CoreDNS's http.MaxBytesReader), or null.
     * One byte past the bound is read, not refused unread: a client still sending (an HTTP/2
     * stream waiting for window, an HTTP/1.1 body) would see a reset or a broken pipe, not the 400
     * (so a too long Content-Length is read too); the caller holds a work, so at most
     * {@link TcpServer#MAX_BUSY} bodies are read at once.
     */
    private static byte[] body(Request request, long readMillis) throws IOException {
        // Jetty's idle timeout restarts at every byte: a body trickled a byte at a time would hold the
        // work for ever. The whole body must come within `read`, as Go's http.Server ReadTimeout.
        Scheduler.Task deadline = request.getComponents().getScheduler().schedule(
                () -> request.fail(new TimeoutException("body not read within " + readMillis + " ms")), readMillis,
                TimeUnit.MILLISECONDS);
        try {
            byte[] body = Content.Source.asInputStream(request).readNBytes(MAX_MESSAGE + 1);
            return body.length > MAX_MESSAGE ? null : body;
        } finally {
            deadline.cancel();
        }
    }

    /**
     * Seconds a reply may be cached by HTTP caches (RFC 8484 5.1): CoreDNS dnsutil.MinimalTTL, the
     * smallest TTL of its records other than OPT, at most an hour; 5 s for an rcode other than
     * NOERROR and NXDOMAIN, or a reply without records.
     */
    static int maxAge(byte[] reply) {
        UnsafeBuffer b = new UnsafeBuffer(reply);
        int rcode = reply.length < 4 ? -1 : reply[3] & 0x0F;
        RecordWalker w = new RecordWalker();
        if ((rcode != 0 && rcode != 3) || w.wrap(b, 0, reply.length) != 0) {
            return MIN_TTL;
        }
        int min = MAX_TTL;
        boolean any = false;
        while (w.next()) {
            if (w.type() == 41) {
                continue; // OPT
            }
            any = true;
            min = (int) Math.min(min, Integer.toUnsignedLong(w.ttl()));
        }
        return any ? min : MIN_TTL;
    }

    /** Go's http.Error: the text and a newline, as plain text. */
    private static boolean error(Request request, Response response, Callback callback, int status, String text) {
        byte[] body = (text + "\n").getBytes(StandardCharsets.UTF_8);
        response.setStatus(status);
        HttpFields.Mutable h = response.getHeaders();
        if (request.getLength() != 0 && request.getConnectionMetaData().getHttpVersion().getVersion() < 20) {
            // a body this reply did not read (all of): Jetty closes the connection after it, so say so,
            // or an HTTP/1.1 client sends its next request on the closing connection and sees a broken pipe
            h.put(HttpHeader.CONNECTION, HttpHeaderValue.CLOSE.asString());
        }
        h.put(HttpHeader.CONTENT_TYPE, "text/plain; charset=utf-8");
        h.put("X-Content-Type-Options", "nosniff");
        h.put(HttpHeader.CONTENT_LENGTH, body.length);
        response.write(true, ByteBuffer.wrap(body), callback);
        return true;
    }
}
