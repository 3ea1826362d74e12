package io.nodedns.server;

import java.net.URI;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Locale;

/**
 * An HTTP/1.x request's line and headers (RFC 9112 3, 5), parsed from the bytes up to the blank
 * line. What Go's net/http, which CoreDNS serves health, ready and metrics with, rejects with 400
 * is rejected here too: a malformed request line or header, an HTTP/1.1 request without Host.
 * Lines may end in CRLF or a bare LF, as Go accepts.
 */
record HttpRequest(String method, String path, String rawQuery, boolean http11, List<String> headers) {
    /** A request the server answers with {@code status} and then closes the connection. */
    static final class Rejected extends Exception {
        final int status;
        /** Go's net/http says why in the reply (its statusError) rather than the bare status. */
        final boolean told;

        Rejected(int status, String reason) {
            this(status, reason, false);
        }

        Rejected(int status, String reason, boolean told) {
            super(reason, null, false, false);
            this.status = status;
            this.told = told;
        }
    }

    /**
     * The index just past the blank line ending the headers in {@code bytes[0, length)}, or -1;
     * {@code scanned} bytes were searched before without finding it, so the search resumes 3
     * before them (the longest end, CRLF CRLF, may straddle them) instead of from the start.
     */
    static int headerEnd(byte[] bytes, int scanned, int length) {
        for (int i = Math.max(0, scanned - 3); i < length; i++) {
            if (bytes[i] == '\n') {
                if (i + 1 < length && bytes[i + 1] == '\n') {
                    return i + 2;
                }
                if (i + 2 < length && bytes[i + 1] == '\r' && bytes[i + 2] == '\n') {
                    return i + 3;
                }
            }
        }
        return -1;
    }

    /** Parses {@code bytes[0, end)}, which {@link #headerEnd} found complete. */
    static HttpRequest parse(byte[] bytes, int end) throws Rejected {
        String[] lines = new String(bytes, 0, end, StandardCharsets.ISO_8859_1).split("\r?\n");
        String[] parts = lines[0].split(" ", -1);
        if (parts.length != 3 || parts[0].isEmpty() || !token(parts[0]) || parts[1].isEmpty()) {
            throw new Rejected(400, "malformed request line");
        }
        boolean http11;
        switch (parts[2]) {
            case "HTTP/1.1" -> http11 = true;
            case "HTTP/1.0" -> http11 = false;
            default -> {
                if (parts[2].matches("HTTP/[0-9]\\.[0-9]")) {
                    throw new Rejected(505, "unsupported protocol version", true);
                }
                throw new Rejected(400, "malformed HTTP version");
            }
        }
        String target = parts[1];
        for (int i = 0; i < target.length(); i++) {
            if (target.charAt(i) < ' ' || target.charAt(i) == 127) {
                throw new Rejected(400, "malformed request target"); // Go: invalid control character in URL
            }
        }
        String rawPath;
        String rawQuery;
        if (target.startsWith("/")) {
            // origin-form (RFC 9112 3.2.1), what probes and scrapes send: split as Go's url.ParseRequestURI
            // does, which leaves the query unchecked (a handler that reads it parses it)
            int q = target.indexOf('?');
            rawPath = q < 0 ? target : target.substring(0, q);
            rawQuery = q < 0 ? null : target.substring(q + 1);
        } else {
            URI uri; // absolute-form (RFC 9112 3.2.2)
            try {
                uri = new URI(target);
            } catch (URISyntaxException e) {
                throw new Rejected(400, "malformed request target");
            }
            if (uri.getRawPath() == null || !uri.getRawPath().startsWith("/")) {
                throw new Rejected(400, "malformed request target");
            }
            rawPath = uri.getRawPath();
            rawQuery = uri.getRawQuery();
        }
        String path = unescape(rawPath);
        String[] headers = new String[2 * (lines.length - 1)]; // name, value, name, value...
        for (int i = 1; i < lines.length; i++) {
            String line = lines[i];
            int colon = line.indexOf(':');
            if (colon <= 0 || !token(line.substring(0, colon))) {
                throw new Rejected(400, "malformed header line");
            }
            headers[2 * i - 2] = line.substring(0, colon);
            headers[2 * i - 1] = line.substring(colon + 1).strip();
        }
        HttpRequest request = new HttpRequest(parts[0], path, rawQuery, http11, List.of(headers));
        if (http11 && request.header("Host") == null) {
            throw new Rejected(400, "missing required Host header", true);
        }
        if (request.count("Host") > 1) {
            throw new Rejected(400, "too many Host headers", true);
        }
        request.checkContentLength();
        return request;
    }

    /**
     * RFC 9112 6.3: differing Content-Length values, or one that is not a decimal number, make the
     * message's length unknowable (a smuggled request could follow), so 400 and close, as Go's
     * net/http (which ignores a Content-Length beside Transfer-Encoding: chunked, but not differing ones).
     */
    private void checkContentLength() throws Rejected {
        String first = header("Content-Length");
        if (first == null) {
            return;
        }
        for (int i = 0; i < headers.size(); i += 2) {
            if (headers.get(i).equalsIgnoreCase("Content-Length") && !headers.get(i + 1).equals(first)) {
                throw new Rejected(400, "conflicting Content-Length");
            }
        }
        if (header("Transfer-Encoding") != null) {
            return;
        }
        try {
            for (int i = 0; i < first.length(); i++) {
                if (first.charAt(i) < '0' || first.charAt(i) > '9') {
                    throw new NumberFormatException();
                }
            }
            Long.parseLong(first); // empty or past 2^63 - 1: as Go's ParseUint(cl, 10, 63)
        } catch (NumberFormatException e) {
            throw new Rejected(400, "bad Content-Length");
        }
    }

    /** How many times a header is present (names are case-insensitive). */
    private int count(String name) {
        int n = 0;
        for (int i = 0; i < headers.size(); i += 2) {
            if (headers.get(i).equalsIgnoreCase(name)) {
                n++;
            }
        }
        return n;
    }

    /** A path's percent-escapes decoded (RFC 3986 2.1); a '%' without two hex digits is a 400, as in Go. */
    private static String unescape(String raw) throws Rejected {
        if (raw.indexOf('%') < 0) {
            return raw;
        }
        byte[] out = new byte[raw.length()];
        int n = 0;
        for (int i = 0; i < raw.length(); i++) {
            char c = raw.charAt(i);
            if (c == '%') {
                int hi = i + 2 < raw.length() ? Character.digit(raw.charAt(i + 1), 16) : -1;
                int lo = hi < 0 ? -1 : Character.digit(raw.charAt(i + 2), 16);
                if (lo < 0) {
                    throw new Rejected(400, "malformed request target");
                }
                out[n++] = (byte) (hi << 4 | lo);
                i += 2;
            } else {
                out[n++] = (byte) c; // the request line was read as ISO-8859-1: one byte per char
            }
        }
        return new String(out, 0, n, StandardCharsets.UTF_8);
    }

    /** RFC 9110 5.6.2: a method or header name is a non-empty run of these. */
    private static boolean token(String s) {
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c <= ' ' || c >= 127 || "\"(),/:;<=>?@[\\]{}".indexOf(c) >= 0) {
                return false;
            }
        }
        return true;
    }

    /** The first value of a header (names are case-insensitive), or null. */
    String header(String name) {
        for (int i = 0; i < headers.size(); i += 2) {
            if (headers.get(i).equalsIgnoreCase(name)) {
                return headers.get(i + 1);
            }
        }
        return null;
    }

    boolean head() {
        return method.equals("HEAD");
    }

    /** Whether the client keeps the connection for another request (RFC 9112 9.3): HTTP/1.1 unless it said close. */
    boolean keepAlive() {
        String connection = header("Connection");
        if (connection == null) {
            return http11;
        }
        String c = connection.toLowerCase(Locale.ROOT);
        return http11 ? !c.contains("close") : c.contains("keep-alive");
    }

    /** A request body follows the headers (RFC 9112 6.3); the server does not read it, so it closes after replying. */
    boolean hasBody() {
        String length = header("Content-Length");
        return header("Transfer-Encoding") != null || (length != null && !length.equals("0"));
    }
}
