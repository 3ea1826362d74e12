package io.nodedns.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The HTTP listeners' protocol (what a kubelet, Prometheus and Go's net/http expect) and their limits. */
class HttpEndpointsTest {
    private static final String OK = "HTTP/1.1 200 OK\r\n";

    /** A reload naming a busy address fails before serving anything and keeps no socket it opened on the way. */
    @Test
    void aFailedBindClosesWhatItOpened() throws Exception {
        try (ServerSocket busy = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            int free;
            try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
                free = s.getLocalPort();
            }
            HttpEndpoints endpoints = new HttpEndpoints();
            List<HttpRoute> routes = List.of(new HttpRoute("127.0.0.1:" + free, "/health", HttpEndpointsTest::ok),
                    new HttpRoute("127.0.0.1:" + busy.getLocalPort(), "/ready", HttpEndpointsTest::ok));
            IOException first = assertThrows(IOException.class, () -> endpoints.prepare(routes));
            assertTrue(first.getMessage().startsWith("listen tcp 127.0.0.1:" + busy.getLocalPort()),
                    first.getMessage());
            long before = openFiles();
            for (int i = 0; i < 5; i++) {
                assertThrows(IOException.class, () -> endpoints.prepare(routes));
            }
            assertEquals(before, openFiles(), "descriptors left by five failed binds");
            assertEquals(-1, endpoints.port("127.0.0.1:" + free));
            try (ServerSocket again = new ServerSocket(free, 1, InetAddress.getLoopbackAddress())) {
                assertEquals(free, again.getLocalPort()); // a socket still bound there (SO_REUSEPORT) would refuse this one
            }
            endpoints.close();
        }
    }

    @Test
    @Timeout(30)
    void answersAsGoNetHttpDoes() throws Exception {
        HttpEndpoints endpoints = serve(HttpEndpointsTest::ok);
        int port = endpoints.port("127.0.0.1:0");
        try {
            // keep-alive and pipelining: both answered in order on one connection, closed as the second asked
            String two = ask(port, "GET /health HTTP/1.1\r\nHost: x\r\n\r\nGET /health HTTP/1.1\r\nHost: x\r\n"
                    + "Connection: close\r\n\r\n");
            assertTrue(two.startsWith(OK), two);
            assertTrue(two.contains("Content-Type: text/plain; charset=utf-8\r\n"), two);
            assertTrue(two.contains("\r\nContent-Length: 2\r\n\r\nOK" + OK), two);
            assertTrue(two.endsWith("Connection: close\r\n\r\nOK"), two);
            assertEquals(2, two.split("HTTP/1.1 200").length - 1, two);

            String head = ask(port, "HEAD /health HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
            assertTrue(head.startsWith(OK) && head.contains("Content-Length: 2\r\n") && head.endsWith("\r\n\r\n"),
                    head);
            String http10 = ask(port, "GET /health?x=1 HTTP/1.0\r\n\r\n");
            assertTrue(http10.startsWith(OK) && http10.endsWith("Connection: close\r\n\r\nOK"), http10);
            String unknown = ask(port, "GET /nope HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
            assertTrue(unknown.startsWith("HTTP/1.1 404 Not Found\r\n") && unknown.endsWith("404 page not found\n"),
                    unknown);

            // the server closes after each of these without being asked to
            String post = ask(port, "POST /health HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n");
            assertTrue(post.startsWith("HTTP/1.1 405 Method Not Allowed\r\n") && post.contains("Allow: GET, HEAD\r\n"),
                    post);
            assertTrue(ask(port, "hello\r\n\r\n").startsWith("HTTP/1.1 400 Bad Request\r\n"));
            assertEquals("HTTP/1.1 400 Bad Request: missing required Host header\r\nContent-Type: text/plain;"
                    + " charset=utf-8\r\nConnection: close\r\n\r\n400 Bad Request: missing required Host header",
                    ask(port, "GET /health HTTP/1.1\r\n\r\n"), "HTTP/1.1 without Host: Go's bytes");
            assertTrue(ask(port, "GET /health HTTP/1.1\r\nHost: x\r\nbad header\r\n\r\n")
                    .startsWith("HTTP/1.1 400 Bad Request\r\n"));
            assertTrue(ask(port, "GET /health HTTP/2.0\r\nHost: x\r\n\r\n")
                    .startsWith("HTTP/1.1 505 HTTP Version Not Supported: unsupported protocol version\r\n"));
            String big = ask(port, "GET /health HTTP/1.1\r\nHost: x\r\nX-Big: " + "a".repeat(9000) + "\r\n\r\n");
            assertTrue(big.startsWith("HTTP/1.1 431 Request Header Fields Too Large\r\n"), big);
            String fits = ask(port, "GET /health HTTP/1.1\r\nHost: x\r\nX-Big: " + "a".repeat(8000)
                    + "\r\nConnection: close\r\n\r\n");
            assertTrue(fits.startsWith(OK), "8 KiB of headers fit: " + fits);
        } finally {
            endpoints.close();
        }
    }

    /** HTTP/1.0 with Connection: keep-alive is kept open and told so, as Go's net/http does; else closed. */
    @Test
    @Timeout(30)
    void http10KeepAliveIsAnnounced() throws Exception {
        HttpEndpoints endpoints = serve(HttpEndpointsTest::ok);
        try {
            String two = ask(endpoints.port("127.0.0.1:0"),
                    "GET /health HTTP/1.0\r\nConnection: keep-alive\r\n\r\nGET /health HTTP/1.0\r\n\r\n");
            assertTrue(two.startsWith(OK) && two.contains("Connection: keep-alive\r\n\r\nOK" + OK)
                    && two.endsWith("Connection: close\r\n\r\nOK"), two);
        } finally {
            endpoints.close();
        }
    }

    /**
     * RFC 9112 6.3: differing or invalid Content-Length values are a 400 and a close (a smuggled
     * request could follow them), as are two Host headers, as Go's net/http answers.
     */
    @Test
    @Timeout(30)
    void conflictingLengthsAndHostsAreRejected() throws Exception {
        HttpEndpoints endpoints = serve(HttpEndpointsTest::ok);
        int port = endpoints.port("127.0.0.1:0");
        try {
            String smuggled = "GET /nope HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n";
            String conflicting = ask(port, "GET /health HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\nContent-Length: "
                    + smuggled.length() + "\r\n\r\n" + smuggled);
            assertTrue(conflicting.startsWith("HTTP/1.1 400 Bad Request\r\n"), conflicting);
            assertEquals(1, conflicting.split("HTTP/1.1 ").length - 1, "one reply, then closed: " + conflicting);
            for (String length : List.of("abc", "-1", "", "1, 1", "99999999999999999999")) {
                String reply = ask(port, "GET /health HTTP/1.1\r\nHost: x\r\nContent-Length: " + length + "\r\n\r\n");
                assertTrue(reply.startsWith("HTTP/1.1 400 Bad Request\r\n"),
                        "Content-Length '" + length + "': " + reply);
            }
            String hosts = ask(port, "GET /health HTTP/1.1\r\nHost: x\r\nHost: y\r\n\r\n");
            assertTrue(hosts.startsWith("HTTP/1.1 400 Bad Request: too many Host headers\r\n"), hosts);
            String same = ask(port, "GET /health HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\nContent-Length: 0\r\n"
                    + "Connection: close\r\n\r\n");
            assertTrue(same.startsWith(OK), "equal lengths are one length: " + same);
        } finally {
            endpoints.close();
        }
    }

    /**
     * The target is split and decoded as Go's url.ParseRequestURI does: the query is not checked
     * (java.net.URI refused '%zz' in it), the path's escapes are decoded, and a bad one is a 400.
     */
    @Test
    @Timeout(30)
    void requestTargetsAsGo() throws Exception {
        HttpEndpoints endpoints = serve(HttpEndpointsTest::ok);
        int port = endpoints.port("127.0.0.1:0");
        try {
            for (String target : List.of("/health?x=%zz", "/he%61lth", "/health?a|b", "http://x/health?x=1")) {
                String reply = ask(port, "GET " + target + " HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
                assertTrue(reply.startsWith(OK), target + ": " + reply);
            }
            for (String target : List.of("/health%zz", "/health%4", "health", "/hea\u0001lth")) {
                String reply = ask(port, "GET " + target + " HTTP/1.1\r\nHost: x\r\n\r\n");
                assertTrue(reply.startsWith("HTTP/1.1 400 Bad Request\r\n"), target + ": " + reply);
            }
        } finally {
            endpoints.close();
        }
    }

    /**
     * A close-delimited body (pprof's profile) cut short by a failure ends with a reset: a plain
     * close would make the truncated body look whole (RFC 9112 8).
     */
    @Test
    @Timeout(30)
    void aStreamedBodyCutShortEndsWithAReset() throws Exception {
        for (boolean unchecked : new boolean[]{false, true}) {
            HttpEndpoints endpoints = serve(exchange -> {
                OutputStream out = exchange.stream(200, "application/octet-stream");
                out.write("partial".getBytes(StandardCharsets.US_ASCII));
                if (unchecked) {
                    throw new IllegalStateException("the profile failed");
                }
                throw new IOException("the profile failed");
            });
            try (Socket s = send(endpoints.port("127.0.0.1:0"), "GET /health HTTP/1.1\r\nHost: x\r\n\r\n")) {
                InputStream in = s.getInputStream();
                assertThrows(java.net.SocketException.class, () -> {
                    while (in.read() >= 0) {
                        // the head and the part of the body sent before the failure
                    }
                }, "a reset, not the end of the body (" + (unchecked ? "unchecked" : "IOException") + ")");
            } finally {
                endpoints.close();
            }
        }
    }

    /** A bad -Dnodedns.http.* value fails the first prepare (every start makes one) with one line, not an Error. */
    @Test
    void aBadSettingStopsTheStart() {
        HttpEndpoints endpoints = new HttpEndpoints(name -> name.equals("nodedns.http.headerTimeout") ? "10s" : null);
        IOException e = assertThrows(IOException.class, () -> endpoints.prepare(List.of()));
        assertEquals("-Dnodedns.http.headerTimeout must be a positive integer, got '10s'", e.getMessage());
        endpoints.close();
    }

    /** The header scan resumes where the last one stopped: the end is found wherever a read split it. */
    @Test
    void headerEndResumesAcrossReads() {
        for (String request : List.of("GET / HTTP/1.1\r\nHost: x\r\n\r\nGET", "GET / HTTP/1.0\n\nX")) {
            byte[] bytes = request.getBytes(StandardCharsets.ISO_8859_1);
            int end = request.length() - (request.endsWith("GET") ? 3 : 1);
            for (int split = 0; split <= bytes.length; split++) {
                int upTo = HttpRequest.headerEnd(bytes, 0, split);
                int found = upTo >= 0 ? upTo : HttpRequest.headerEnd(bytes, split, bytes.length);
                assertEquals(end, found, "split at " + split + " of " + request);
            }
        }
    }

    /**
     * Connections that are being answered are never evicted: with every place taken by one, a new
     * connection is closed at once, and each of them still gets its reply.
     */
    @Test
    @Timeout(60)
    void aNewConnectionIsClosedOnlyWhenEveryOneIsBeingAnswered() throws Exception {
        CountDownLatch release = new CountDownLatch(1);
        AtomicInteger inHandler = new AtomicInteger();
        HttpEndpoints endpoints = serve(exchange -> {
            inHandler.incrementAndGet();
            try {
                release.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            ok(exchange);
        });
        int port = endpoints.port("127.0.0.1:0");
        List<Socket> busy = new ArrayList<>();
        try {
            for (int i = 0; i < HttpListener.Limits.DEFAULT.maxConnections(); i++) {
                busy.add(send(port, "GET /health HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"));
            }
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
            while (inHandler.get() < HttpListener.Limits.DEFAULT.maxConnections() && System.nanoTime() < deadline) {
                Thread.sleep(10);
            }
            assertEquals(HttpListener.Limits.DEFAULT.maxConnections(), inHandler.get(), "requests being answered");
            String refused = ask(port, "GET /health HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
            assertEquals("", refused, "a new connection while every one is busy is closed unanswered");
            release.countDown();
            for (Socket s : busy) {
                String reply = new String(s.getInputStream().readAllBytes(), StandardCharsets.ISO_8859_1);
                assertTrue(reply.startsWith(OK), reply);
            }
        } finally {
            for (Socket s : busy) {
                s.close();
            }
            endpoints.close();
        }
    }

    static void ok(HttpExchange exchange) throws IOException {
        HttpEndpoints.reply(exchange, 200, "OK");
    }

    /** A listener on 127.0.0.1 serving only /health with {@code health}. */
    static HttpEndpoints serve(HttpHandler health) throws IOException {
        HttpEndpoints endpoints = new HttpEndpoints();
        List<HttpRoute> routes = List.of(new HttpRoute("127.0.0.1:0", "/health", health));
        endpoints.prepare(routes);
        endpoints.apply(routes);
        return endpoints;
    }

    private static Socket send(int port, String request) throws IOException {
        Socket s = new Socket();
        s.connect(new InetSocketAddress("127.0.0.1", port), 2000);
        s.setSoTimeout(10_000);
        OutputStream out = s.getOutputStream();
        out.write(request.getBytes(StandardCharsets.ISO_8859_1));
        out.flush();
        return s;
    }

    /** Sends the request and reads until the server closes the connection ("" if it did so at once). */
    private static String ask(int port, String request) throws IOException {
        try (Socket s = send(port, request)) {
            return new String(s.getInputStream().readAllBytes(), StandardCharsets.ISO_8859_1);
        } catch (java.net.SocketException reset) {
            return "";
        }
    }

    private static long openFiles() throws IOException {
        try (var fds = Files.list(Path.of("/proc/self/fd"))) {
            return fds.count();
        }
    }
}
