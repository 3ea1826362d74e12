package io.nodedns.server;

import io.nodedns.wire.RecordWalker;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.Base64;
import java.util.Locale;
import org.agrona.concurrent.UnsafeBuffer;

/**
 * DNS over HTTPS (RFC 8484) over HTTP/1.1 (RFC 9112) on one connection, as CoreDNS's
 * core/dnsserver/server_https.go answers: {@code /dns-query} only (else 404), GET with a
 * base64url {@code dns} parameter or POST with the message as body (other methods, a missing
 * or repeated parameter, an undecodable message: 400), the reply as
 * {@code application/dns-message} with {@code Cache-Control: max-age} of its smallest TTL
 * (CoreDNS dnsutil.MinimalTTL: at most an hour, 5 s for other rcodes or an empty reply), 500
 * when the chain gives no reply. Request bodies must have a Content-Length (no chunked bodies:
 * 411). HTTP/2 is not served (CoreDNS offers h2 too); ALPN offers http/1.1 only.
 */
final class DohRequests {
    static final String PATH = "/dns-query";
    static final String MIME = "application/dns-message";
    /** CoreDNS plugin/pkg/doh maxDNSQuerySize, and the base64 text of that many bytes. */
    static final int MAX_MESSAGE = 65536;
    static final int MAX_BASE64 = (MAX_MESSAGE * 8 + 5) / 6;
    /** Bound of a request line and its headers together. */
    static final int MAX_HEAD = 16 * 1024;
    private static final int MIN_TTL = 5;
    private static final int MAX_TTL = 3600;

    private DohRequests() {}

    /** Serves requests until the client closes, asks to close, or sends one this cannot frame. */
    static void serve(TlsConnection c, InputStream in, OutputStream out) throws IOException {
        byte[] head = new byte[MAX_HEAD];
        while (true) {
            int n = readHead(in, head);
            if (n == 0) {
                return; // closed between requests
            }
            if (n < 0) {
                error(c, out, 431, "request header too large", true);
                return;
            }
            String[] lines = new String(head, 0, n, StandardCharsets.ISO_8859_1).split("\r\n");
            String[] start = lines[0].split(" ");
            if (start.length != 3 || !start[2].startsWith("HTTP/1.")) {
                error(c, out, 400, "bad request", true);
                return;
            }
            boolean http10 = start[2].equals("HTTP/1.0");
            boolean close = http10;
            long length = 0;
            boolean chunked = false;
            boolean expectContinue = false;
            for (int i = 1; i < lines.length; i++) {
                int colon = lines[i].indexOf(':');
                if (colon <= 0) {
                    continue;
                }
                String name = lines[i].substring(0, colon).trim().toLowerCase(Locale.ROOT);
                String value = lines[i].substring(colon + 1).trim().toLowerCase(Locale.ROOT);
                switch (name) {
                    case "content-length" -> length = contentLength(value);
                    case "transfer-encoding" -> chunked = !value.equals("identity");
                    case "connection" -> close = value.contains("close") || (http10 && !value.contains("keep-alive"));
                    case "expect" -> expectContinue = value.equals("100-continue");
                    default -> {
                    }
                }
            }
            if (chunked) {
                error(c, out, 411, "length required", true);
                return;
            }
            if (length < 0) {
                error(c, out, 400, "bad content-length", true);
                return;
            }
            if (length > MAX_MESSAGE) {
                error(c, out, 413, "dns query too large", true);
                return;
            }
            if (expectContinue && length > 0) {
                c.write(out, "HTTP/1.1 100 Continue\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1), 25);
            }
            byte[] body = in.readNBytes((int) length);
            if (body.length < length) {
                return;
            }
            String target = start[1];
            int q = target.indexOf('?');
            String path = q < 0 ? target : target.substring(0, q);
            if (!path.equals(PATH)) {
                error(c, out, 404, "", close);
            } else {
                byte[] query = switch (start[0]) {
                    case "GET" -> fromParameter(q < 0 ? "" : target.substring(q + 1));
                    case "POST" -> body;
                    default -> null; // CoreDNS doh.RequestToMsg: "method not allowed", answered 400
                };
                if (query == null || query.length < 12) {
                    error(c, out, 400, "invalid request", close);
                } else {
                    byte[] reply = c.answer(query, query.length);
                    if (reply == null) {
                        error(c, out, 500, "No response", close);
                    } else {
                        respond(c, out, 200, MIME, reply, maxAge(reply), close);
                    }
                }
            }
            if (close) {
                return;
            }
            c.waiting();
        }
    }

    /**
     * Reads a request line and headers through the blank line into {@code head}: its length, 0 at
     * a clean end of stream before any byte, -1 past {@link #MAX_HEAD}.
     */
    static int readHead(InputStream in, byte[] head) throws IOException {
        int n = 0;
        while (true) {
            int b = in.read();
            if (b < 0) {
                if (n == 0) {
                    return 0;
                }
                throw new IOException("end of stream inside a request head");
            }
            if (n == 0 && (b == '\r' || b == '\n')) {
                continue; // RFC 9112 2.2: empty lines before a request line are ignored
            }
            if (n == head.length) {
                return -1;
            }
            head[n++] = (byte) b;
            if (n >= 4 && head[n - 1] == '\n' && head[n - 2] == '\r' && head[n - 3] == '\n' && head[n - 4] == '\r') {
                return n - 4;
            }
        }
    }

    private static long contentLength(String value) {
        try {
            return Long.parseLong(value);
        } catch (NumberFormatException e) {
            return -1;
        }
    }

    /** The message of the single {@code dns} parameter (base64url, RFC 8484 4.1), or null. */
    static byte[] fromParameter(String query) {
        String found = null;
        for (String pair : query.split("&")) {
            int eq = pair.indexOf('=');
            String key = URLDecoder.decode(eq < 0 ? pair : pair.substring(0, eq), StandardCharsets.UTF_8);
            if (!key.equals("dns")) {
                continue;
            }
            if (found != null) {
                return null; // CoreDNS: "multiple 'dns' query values found"
            }
            found = eq < 0 ? "" : URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8);
        }
        if (found == null || found.length() > MAX_BASE64) {
            return null;
        }
        try {
            return Base64.getUrlDecoder().decode(found);
        } catch (IllegalArgumentException e) {
            return null;
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

    private static void error(TlsConnection c, OutputStream out, int status, String text, boolean close)
            throws IOException {
        // Go's http.Error: the text and a newline, as plain text
        respond(c, out, status, "text/plain; charset=utf-8", (text + "\n").getBytes(StandardCharsets.UTF_8), -1, close);
    }

    private static void respond(TlsConnection c, OutputStream out, int status, String type, byte[] body, int maxAge,
            boolean close) throws IOException {
        StringBuilder h = new StringBuilder(160)
                .append("HTTP/1.1 ").append(status).append(' ').append(reason(status)).append("\r\n")
                .append("Date: ").append(DateTimeFormatter.RFC_1123_DATE_TIME.format(ZonedDateTime.now(ZoneOffset.UTC)))
                .append("\r\nContent-Type: ").append(type)
                .append("\r\nContent-Length: ").append(body.length).append("\r\n");
        if (maxAge >= 0) {
            h.append("Cache-Control: max-age=").append(maxAge).append("\r\n");
        } else {
            h.append("X-Content-Type-Options: nosniff\r\n");
        }
        if (close) {
            h.append("Connection: close\r\n");
        }
        byte[] headBytes = h.append("\r\n").toString().getBytes(StandardCharsets.ISO_8859_1);
        byte[] all = new byte[headBytes.length + body.length];
        System.arraycopy(headBytes, 0, all, 0, headBytes.length);
        System.arraycopy(body, 0, all, headBytes.length, body.length);
        c.write(out, all, all.length);
    }

    private static String reason(int status) {
        return switch (status) {
            case 200 -> "OK";
            case 400 -> "Bad Request";
            case 404 -> "Not Found";
            case 411 -> "Length Required";
            case 413 -> "Payload Too Large";
            case 431 -> "Request Header Fields Too Large";
            default -> "Internal Server Error";
        };
    }
}
