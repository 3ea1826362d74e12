package io.nodedns.plugin.tls;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.nodedns.testing.DnsClient;
import io.nodedns.testing.FreePorts;
import io.nodedns.testing.TestServer;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.xbill.DNS.Message;
import org.xbill.DNS.Rcode;
import org.xbill.DNS.Type;

/**
 * DNS over HTTPS error replies over HTTP/1.1, on raw sockets so that the connection is seen: an
 * unread body of a refused request is read and dropped so the connection carries the next request
 * (a huge or late one closes it, saying so), and every reply is counted per status in
 * {@code coredns_dns_https_responses_total} as CoreDNS counts them.
 */
class DohErrorRepliesTest {
    @RegisterExtension
    static final TlsFixture pki = new TlsFixture();

    private static final byte[] QUERY = DnsClient.query("who.example.", Type.A).toWire();

    private static String cleartext(int port, String extra) {
        return "https://.:" + port + " {\n bind 127.0.0.1\n whoami\n" + extra + "\n}\n";
    }

    private static Socket connect(int port, boolean tls) throws Exception {
        Socket s = tls
                ? pki.trusting(null).getSocketFactory().createSocket("127.0.0.1", port)
                : new Socket("127.0.0.1", port); // TLS without ALPN: HTTP/1.1, as DohServer chooses
        s.setSoTimeout(15_000);
        return s;
    }

    private static byte[] head(String method, long length) {
        return (method + " /dns-query HTTP/1.1\r\nHost: dns.test\r\nContent-Type: application/dns-message\r\n"
                + "Content-Length: " + length + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII);
    }

    /** A PUT whose body comes after Jetty has dispatched it (as with the JDK's client: the flake of 044076f). */
    @ParameterizedTest
    @ValueSource(booleans = {false, true})
    void anErrorReplyReadsASmallBodyAndTheConnectionCarriesTheNextRequest(boolean tls) throws Exception {
        int port = FreePorts.udpAndTcp();
        try (TestServer ts = TestServer.fromText(tls ? pki.block("https", port, "") : cleartext(port, ""));
                Socket s = connect(port, tls)) {
            OutputStream out = s.getOutputStream();
            InputStream in = s.getInputStream();
            out.write(head("PUT", QUERY.length));
            out.write(QUERY, 0, 1); // Jetty dispatches a request once some of its body came
            out.flush();
            Thread.sleep(300);
            out.write(QUERY, 1, QUERY.length - 1);
            out.flush();
            Reply put = Reply.read(in);
            assertEquals(400, put.status);
            assertNull(put.headers.get("connection"), "the connection stays open");
            // a 404 with a body, all sent at once
            out.write(("POST /other HTTP/1.1\r\nHost: dns.test\r\nContent-Length: 3\r\n\r\nabc")
                    .getBytes(StandardCharsets.US_ASCII));
            out.flush();
            Reply other = Reply.read(in);
            assertEquals(404, other.status);
            assertNull(other.headers.get("connection"));
            out.write(head("POST", QUERY.length));
            out.write(QUERY);
            out.flush();
            Reply post = Reply.read(in);
            assertEquals(200, post.status, "answered on the same connection");
            assertEquals(Rcode.NOERROR, new Message(post.body).getRcode());
        }
    }

    /** A body past a DNS message's bound is not read to its end: the reply says the connection closes, and it does. */
    @Test
    void anErrorReplyToAHugeBodyClosesTheConnection() throws Exception {
        int port = FreePorts.udpAndTcp();
        try (TestServer ts = TestServer.fromText(cleartext(port, "")); Socket s = connect(port, false)) {
            int length = 1 << 20;
            OutputStream out = s.getOutputStream();
            out.write(head("PUT", length));
            out.flush();
            Thread writer = Thread.ofVirtual().start(() -> {
                try {
                    out.write(new byte[length]);
                } catch (IOException closed) {
                    // the server stopped reading: what is tested
                }
            });
            Reply put = Reply.read(s.getInputStream());
            assertEquals(400, put.status);
            assertEquals("close", put.headers.get("connection"));
            assertClosed(s);
            writer.join(10_000);
        }
    }

    /** A body that does not come within {@code read}: 400, and the connection closes. */
    @Test
    void anErrorReplyToALateBodyClosesTheConnection() throws Exception {
        int port = FreePorts.udpAndTcp();
        try (TestServer ts = TestServer.fromText(cleartext(port, " timeouts {\n read 1s\n }"));
                Socket s = connect(port, false)) {
            OutputStream out = s.getOutputStream();
            out.write(head("PUT", 100));
            out.write(new byte[10]); // and no more
            out.flush();
            long t0 = System.nanoTime();
            Reply put = Reply.read(s.getInputStream());
            assertEquals(400, put.status);
            assertEquals("close", put.headers.get("connection"));
            assertClosed(s);
            assertTrue(System.nanoTime() - t0 < TimeUnit.SECONDS.toNanos(8), "cut at about `read`");
        }
    }

    /** The connection's end: EOF, or a reset (the server closed with bytes of ours unread). */
    private static void assertClosed(Socket s) throws IOException {
        int got;
        try {
            got = s.getInputStream().read();
        } catch (java.net.SocketException reset) {
            got = -1;
        }
        assertEquals(-1, got, "closed after the reply");
    }

    @Test
    void repliesAreCountedPerStatusAsCoreDns() throws Exception {
        int port = FreePorts.udpAndTcp();
        int http = FreePorts.udpAndTcp();
        try (TestServer ts = TestServer.fromText(cleartext(port, " prometheus 127.0.0.1:" + http));
                HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
                        .connectTimeout(Duration.ofSeconds(5)).build()) {
            String base = "http://127.0.0.1:" + port + "/dns-query";
            assertEquals(200, client.send(HttpRequest.newBuilder(URI.create(base))
                    .POST(HttpRequest.BodyPublishers.ofByteArray(QUERY)).build(),
                    HttpResponse.BodyHandlers.discarding()).statusCode());
            for (int i = 0; i < 2; i++) {
                assertEquals(400, client.send(HttpRequest.newBuilder(URI.create(base)).build(),
                        HttpResponse.BodyHandlers.discarding()).statusCode()); // no dns parameter
            }
            String body = client.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + http + "/metrics"))
                    .build(), HttpResponse.BodyHandlers.ofString()).body();
            String server = "https://127.0.0.1:" + port;
            assertEquals(1.0, value(body, server, "200"), body);
            assertEquals(2.0, value(body, server, "400"), body);
            assertTrue(body.contains("# HELP coredns_dns_https_responses_total Counter of DoH responses per server"
                    + " and http status code."), body);
        }
    }

    private static double value(String body, String server, String status) {
        Matcher m = Pattern.compile("^coredns_dns_https_responses_total\\{server=\"" + Pattern.quote(server)
                + "\",status=\"" + status + "\"\\} (\\S+)$", Pattern.MULTILINE).matcher(body);
        return m.find() ? Double.parseDouble(m.group(1)) : Double.NaN;
    }

    /** One HTTP/1.1 reply: status, headers (lower-case names) and a Content-Length body. */
    private record Reply(int status, Map<String, String> headers, byte[] body) {
        static Reply read(InputStream in) throws IOException {
            String status = line(in);
            Map<String, String> headers = new HashMap<>();
            for (String l = line(in); !l.isEmpty(); l = line(in)) {
                int colon = l.indexOf(':');
                headers.put(l.substring(0, colon).trim().toLowerCase(Locale.ROOT), l.substring(colon + 1).trim());
            }
            byte[] body = in.readNBytes(Integer.parseInt(headers.getOrDefault("content-length", "0")));
            return new Reply(Integer.parseInt(status.split(" ")[1]), headers, body);
        }

        private static String line(InputStream in) throws IOException {
            ByteArrayOutputStream b = new ByteArrayOutputStream();
            for (int c = in.read(); c != '\n'; c = in.read()) {
                if (c < 0) {
                    throw new IOException("closed before a reply: " + b);
                }
                if (c != '\r') {
                    b.write(c);
                }
            }
            return b.toString(StandardCharsets.US_ASCII);
        }
    }
}
