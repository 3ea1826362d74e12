package io.nodedns.server;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * One HTTP/1.1 request on an {@link HttpListener} connection and its one reply: what a route's
 * {@link HttpHandler} reads (path, query, request headers) and how it answers, with a whole body
 * ({@link #send}) or a body of unknown length that ends with the connection ({@link #stream}).
 * A HEAD request gets the headers a GET would, without the body (RFC 9110 9.3.2).
 */
public final class HttpExchange {
    private static final DateTimeFormatter DATE = DateTimeFormatter
            .ofPattern("EEE, dd MMM yyyy HH:mm:ss 'GMT'", Locale.US).withZone(ZoneOffset.UTC);

    private final HttpConnection connection;
    private final HttpRequest request;
    private final List<String> headers = new ArrayList<>(4);
    private boolean keepAlive;
    private boolean sent;
    /** The reply's body is close-delimited ({@link #stream}): a failure must reset the connection, not close it. */
    private boolean streamed;

    HttpExchange(HttpConnection connection, HttpRequest request) {
        this.connection = connection;
        this.request = request;
        this.keepAlive = request.keepAlive();
    }

    /** The query without its {@code ?}, still percent-encoded; null without one. */
    public String rawQuery() {
        return request.rawQuery();
    }

    /** The first value of a request header (names are case-insensitive), or null. */
    public String requestHeader(String name) {
        return request.header(name);
    }

    /** Adds a header to the reply (before {@link #send} or {@link #stream}). */
    public void responseHeader(String name, String value) {
        headers.add(name);
        headers.add(value);
    }

    /** Sends the whole reply; the connection then waits for the client's next request unless either side asked to close. */
    public void send(int status, String contentType, byte[] body) throws IOException {
        ByteBuffer head = head(status, contentType, body.length);
        if (request.head() || body.length == 0) {
            connection.write(head);
        } else {
            connection.write(head, ByteBuffer.wrap(body));
        }
    }

    /**
     * Sends the status and headers of a body whose length is not known up front: the body is what
     * is written to the stream, and closing the stream ends it by closing the connection
     * (RFC 9112 6.3: a close-delimited body).
     */
    public OutputStream stream(int status, String contentType) throws IOException {
        keepAlive = false;
        streamed = true;
        connection.write(head(status, contentType, -1));
        boolean discard = request.head();
        return new OutputStream() {
            @Override
            public void write(int b) throws IOException {
                write(new byte[]{(byte) b}, 0, 1);
            }

            @Override
            public void write(byte[] b, int off, int len) throws IOException {
                if (!discard && len > 0) {
                    connection.write(ByteBuffer.wrap(b, off, len));
                }
            }
        };
    }

    /** A reply that ends the connection after it is written (errors found before a handler ran, 405). */
    void closeAfterReply() {
        keepAlive = false;
    }

    boolean sent() {
        return sent;
    }

    boolean streamed() {
        return streamed;
    }

    boolean keepAlive() {
        return keepAlive;
    }

    private ByteBuffer head(int status, String contentType, long length) {
        if (sent) {
            throw new IllegalStateException("reply already sent");
        }
        sent = true;
        StringBuilder b = new StringBuilder(160).append("HTTP/1.1 ").append(status).append(' ')
                .append(reason(status)).append("\r\nDate: ").append(DATE.format(ZonedDateTime.now(ZoneOffset.UTC)))
                .append("\r\nContent-Type: ").append(contentType);
        if (length >= 0) {
            b.append("\r\nContent-Length: ").append(length);
        }
        for (int i = 0; i < headers.size(); i += 2) {
            b.append("\r\n").append(headers.get(i)).append(": ").append(headers.get(i + 1));
        }
        if (!keepAlive) {
            b.append("\r\nConnection: close");
        } else if (!request.http11()) {
            b.append("\r\nConnection: keep-alive"); // HTTP/1.0 closes unless told (RFC 9112 C.2.2); Go's net/http says so too
        }
        return ByteBuffer.wrap(b.append("\r\n\r\n").toString().getBytes(StandardCharsets.ISO_8859_1));
    }

    static String reason(int status) {
        return switch (status) {
            case 200 -> "OK";
            case 301 -> "Moved Permanently";
            case 400 -> "Bad Request";
            case 404 -> "Not Found";
            case 405 -> "Method Not Allowed";
            case 409 -> "Conflict";
            case 431 -> "Request Header Fields Too Large";
            case 500 -> "Internal Server Error";
            case 503 -> "Service Unavailable";
            case 505 -> "HTTP Version Not Supported";
            default -> "Status " + status;
        };
    }
}
