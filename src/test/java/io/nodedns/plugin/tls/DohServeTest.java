package io.nodedns.plugin.tls;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.nodedns.testing.DnsClient;
import io.nodedns.testing.FreePorts;
import io.nodedns.testing.MetricValues;
import io.nodedns.testing.TestCa;
import io.nodedns.testing.TestServer;
import java.io.IOException;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.time.Duration;
import java.util.Base64;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509KeyManager;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.EnumSource;
import org.xbill.DNS.Message;
import org.xbill.DNS.Rcode;
import org.xbill.DNS.Section;
import org.xbill.DNS.Type;

/**
 * https:// server blocks (DNS over HTTPS, RFC 8484) over real sockets, as CoreDNS serves them:
 * HTTP/2 and HTTP/1.1 chosen by ALPN (the JDK's HttpClient, curl, kdig {@code +https}), the
 * status codes and headers of CoreDNS's server_https.go, all five client_auth policies, and the
 * read deadline for a connection that sends nothing.
 */
class DohServeTest {
    @TempDir
    static Path dir;

    @RegisterExtension
    static final TlsFixture pki = new TlsFixture();

    private static HttpClient client(HttpClient.Version version, SSLContext ssl) {
        return HttpClient.newBuilder().sslContext(ssl).version(version).connectTimeout(Duration.ofSeconds(5)).build();
    }

    private static HttpResponse<byte[]> send(HttpClient http, HttpRequest.Builder request) throws Exception {
        return http.send(request.timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofByteArray());
    }

    @ParameterizedTest
    @EnumSource(HttpClient.Version.class)
    void answersGetAndPostAsCoreDnsOverHttp2AndHttp11(HttpClient.Version version) throws Exception {
        int port = FreePorts.udpAndTcp();
        try (TestServer ts = TestServer.fromText(pki.block("https", port, ""));
                HttpClient http = client(version, pki.trusting(null))) {
            assertEquals("https://127.0.0.1:" + port, ts.firstListener().label());
            byte[] wire = DnsClient.query("who.example.", Type.A).toWire();
            String base = "https://127.0.0.1:" + port;
            HttpResponse<byte[]> get = send(http, HttpRequest.newBuilder(URI.create(base + "/dns-query?dns="
                    + Base64.getUrlEncoder().withoutPadding().encodeToString(wire))));
            assertEquals(version, get.version(), "the negotiated HTTP version");
            assertEquals(200, get.statusCode());
            assertEquals("application/dns-message", get.headers().firstValue("content-type").orElseThrow());
            assertEquals("max-age=0", get.headers().firstValue("cache-control").orElseThrow()); // whoami's TTL 0
            assertEquals(Rcode.NOERROR, new Message(get.body()).getRcode());
            HttpResponse<byte[]> post = send(http, HttpRequest.newBuilder(URI.create(base + "/dns-query"))
                    .header("content-type", "application/dns-message")
                    .POST(HttpRequest.BodyPublishers.ofByteArray(wire)));
            assertEquals(version, post.version());
            assertEquals(200, post.statusCode());
            assertEquals(2, new Message(post.body()).getSection(Section.ADDITIONAL).size());
            HttpResponse<byte[]> other = send(http, HttpRequest.newBuilder(URI.create(base + "/other")));
            assertEquals(404, other.statusCode());
            assertEquals("nosniff", other.headers().firstValue("x-content-type-options").orElseThrow());
            assertEquals(400, send(http, HttpRequest.newBuilder(URI.create(base + "/dns-query"))).statusCode());
            assertEquals(400,
                    send(http, HttpRequest.newBuilder(URI.create(base + "/dns-query?dns=!!!!"))).statusCode());
            String twice = Base64.getUrlEncoder().withoutPadding().encodeToString(wire);
            assertEquals(400, send(http,
                    HttpRequest.newBuilder(URI.create(base + "/dns-query?dns=" + twice + "&dns=" + twice)))
                    .statusCode());
            assertEquals(400, send(http, HttpRequest.newBuilder(URI.create(base + "/dns-query"))
                    .PUT(HttpRequest.BodyPublishers.ofByteArray(wire))).statusCode());
            HttpResponse<byte[]> big = send(http, HttpRequest.newBuilder(URI.create(base + "/dns-query"))
                    .POST(HttpRequest.BodyPublishers.ofByteArray(new byte[65537])));
            assertEquals(400, big.statusCode()); // CoreDNS's MaxBytesReader: "invalid request"
            assertEquals("invalid request\n", new String(big.body(), StandardCharsets.UTF_8));
        }
    }

    @Test
    void curlOverHttp11AndHttp2() throws Exception {
        Path curl = Path.of("/usr/bin/curl");
        Assumptions.assumeTrue(Files.isExecutable(curl), "curl is not installed (Debian package curl)");
        int port = FreePorts.udpAndTcp();
        Path query = dir.resolve("q.bin");
        Files.write(query, DnsClient.query("who.example.", Type.A).toWire());
        Path reply = dir.resolve("r.bin");
        try (TestServer ts = TestServer.fromText(pki.block("https", port, ""))) {
            for (String version : new String[]{"--http1.1", "--http2"}) {
                Process p = new ProcessBuilder(curl.toString(), "-sS", version, "--cacert", pki.caPem.toString(),
                        "--resolve", "dns.test:" + port + ":127.0.0.1", "-H", "content-type: application/dns-message",
                        "--data-binary", "@" + query, "-o", reply.toString(), "-w", "%{http_code} %{http_version}",
                        "https://dns.test:" + port + "/dns-query").redirectErrorStream(true).start();
                String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
                assertTrue(p.waitFor(20, TimeUnit.SECONDS));
                assertEquals(version.equals("--http2") ? "200 2" : "200 1.1", out.trim(), out);
                assertEquals(Rcode.NOERROR, new Message(Files.readAllBytes(reply)).getRcode());
            }
        }
    }

    @Test
    void kdigQueriesOverHttps() throws Exception {
        Assumptions.assumeTrue(Files.isExecutable(TlsFixture.KDIG),
                "kdig is not installed (Debian package knot-dnsutils)");
        int port = FreePorts.udpAndTcp();
        try (TestServer ts = TestServer.fromText(pki.block("https", port, ""))) {
            for (String method : new String[]{"+https", "+https-get"}) {
                String ok = TlsFixture.kdig("@127.0.0.1", "-p", "" + port, method, "+tls-ca=" + pki.caPem,
                        "+tls-hostname=dns.test", "who.example.", "A");
                assertTrue(ok.contains("status: NOERROR") && ok.contains("HTTP session (HTTP/2-"), ok);
            }
            String bad = TlsFixture.kdig("@127.0.0.1", "-p", "" + port, "+https", "+tls-ca=" + pki.caPem,
                    "+tls-hostname=other.test", "who.example.", "A");
            assertTrue(!bad.contains("status: NOERROR") && bad.contains("failed"), bad);
        }
    }

    /** Go's ClientAuthType semantics: whether a query gets through without, with our CA's, and with a foreign certificate. */
    @ParameterizedTest
    @CsvSource({
            "nocert,             true,  true, true",
            "request,            true,  true, true",
            "require,            false, true, true",
            "verify_if_given,    true,  true, false",
            "require_and_verify, false, true, false"})
    void clientAuthPoliciesAsGo(String policy, boolean without, boolean ours, boolean foreign) throws Exception {
        int port = FreePorts.udpAndTcp();
        try (TestServer ts = TestServer.fromText(pki.block("https", port, " {\n client_auth " + policy + "\n }"))) {
            assertEquals(without, answers(port, pki.trusting(null)), policy + " without a certificate");
            assertEquals(ours, answers(port, presenting(pki.client)), policy + " with a certificate of the CA");
            assertEquals(foreign, answers(port, presenting(pki.foreignClient())), policy + " with a foreign one");
        }
    }

    private static boolean answersWithin(int port, Duration within) throws Exception {
        for (long end = System.nanoTime() + within.toNanos(); System.nanoTime() < end; Thread.sleep(100)) {
            if (answers(port, pki.trusting(null))) {
                return true;
            }
        }
        return false;
    }

    /** Whether one POST over HTTP/2 gets a DNS answer, on a connection of its own. */
    private static boolean answers(int port, SSLContext ssl) throws Exception {
        try (HttpClient http = client(HttpClient.Version.HTTP_2, ssl)) {
            HttpResponse<byte[]> r = send(http, HttpRequest.newBuilder(URI.create("https://127.0.0.1:" + port
                    + "/dns-query")).POST(HttpRequest.BodyPublishers.ofByteArray(
                            DnsClient.query("who.example.", Type.A).toWire())));
            assertEquals(HttpClient.Version.HTTP_2, r.version());
            return r.statusCode() == 200 && new Message(r.body()).getRcode() == Rcode.NOERROR;
        } catch (IOException refused) {
            return false;
        }
    }

    /**
     * A client that shows {@code cert} whatever CAs the server names: the JDK's key manager would
     * leave out one the server's CA did not issue, and the server would never see it.
     */
    private static SSLContext presenting(TestCa.Issued cert) throws Exception {
        KeyStore ks = KeyStore.getInstance("PKCS12");
        ks.load(null, null);
        ks.setKeyEntry("c", cert.key(), new char[0], new java.security.cert.X509Certificate[]{cert.cert()});
        KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
        kmf.init(ks, new char[0]);
        X509KeyManager keys = (X509KeyManager) kmf.getKeyManagers()[0];
        X509KeyManager always = new javax.net.ssl.X509ExtendedKeyManager() {
            @Override
            public String chooseClientAlias(String[] keyType, java.security.Principal[] issuers, Socket s) {
                return "c";
            }

            @Override
            public String chooseEngineClientAlias(String[] keyType, java.security.Principal[] issuers,
                    javax.net.ssl.SSLEngine engine) {
                return "c";
            }

            @Override
            public String[] getClientAliases(String keyType, java.security.Principal[] issuers) {
                return new String[]{"c"};
            }

            @Override
            public String[] getServerAliases(String keyType, java.security.Principal[] issuers) {
                return null;
            }

            @Override
            public String chooseServerAlias(String keyType, java.security.Principal[] issuers, Socket s) {
                return null;
            }

            @Override
            public java.security.cert.X509Certificate[] getCertificateChain(String alias) {
                return keys.getCertificateChain(alias);
            }

            @Override
            public java.security.PrivateKey getPrivateKey(String alias) {
                return keys.getPrivateKey(alias);
            }
        };
        KeyStore ts = KeyStore.getInstance("PKCS12");
        ts.load(null, null);
        ts.setCertificateEntry("ca", pki.ca.cert());
        TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        tmf.init(ts);
        SSLContext ctx = SSLContext.getInstance("TLS");
        ctx.init(new javax.net.ssl.KeyManager[]{always}, tmf.getTrustManagers(), null);
        return ctx;
    }

    @Test
    void aSilentConnectionIsClosedAtTheReadDeadline() throws Exception {
        int port = FreePorts.udpAndTcp();
        try (TestServer ts = TestServer.fromText(pki.block("https", port, "", "timeouts {\n read 1s\n }"))) {
            TlsFixture.assertSilentConnectionClosed(port);
            assertTrue(answers(port, pki.trusting(null)), "still serving");
        }
    }

    @Test
    void atMost200ConnectionsAndTheNextTakesTheLongestWaitingOnesPlace() throws Exception {
        int port = FreePorts.udpAndTcp();
        java.util.List<Socket> open = new java.util.ArrayList<>();
        try (TestServer ts = TestServer.fromText(pki.block("https", port, ""))) {
            for (int i = 0; i < 200; i++) {
                open.add(new Socket("127.0.0.1", port)); // CoreDNS's DefaultHTTPSMaxConnections, all silent
                while (i == 0 && ts.firstListener().tcpConnections() == 0) {
                    Thread.sleep(20); // the first is the one that has waited longest
                }
            }
            for (long end = System.nanoTime() + 10_000_000_000L; ts.firstListener().tcpConnections() < 200
                    && System.nanoTime() < end;) {
                Thread.sleep(20);
            }
            assertEquals(200, ts.firstListener().tcpConnections());
            assertTrue(answers(port, pki.trusting(null)), "the next is served at the cap");
            for (long end = System.nanoTime() + 5_000_000_000L; ts.firstListener().tcpConnections() > 200
                    && System.nanoTime() < end;) {
                Thread.sleep(20);
            }
            assertTrue(ts.firstListener().tcpConnections() <= 200, "at most 200");
            Socket first = open.getFirst();
            first.setSoTimeout(2000);
            assertEquals(-1, first.getInputStream().read(), "the longest waiting one is closed");
        } finally {
            for (Socket s : open) {
                s.close();
            }
        }
    }

    @Test
    void aReloadServesNewCertificatesAndCanDropTls() throws Exception {
        int port = FreePorts.udpAndTcp();
        Path corefile = dir.resolve("reload.Corefile");
        Files.writeString(corefile, pki.block("https", port, ""));
        try (TestServer ts = TestServer.fromFile(corefile)) {
            assertTrue(answers(port, pki.trusting(null)));
            TlsFixture other = new TlsFixture(Files.createDirectories(dir.resolve("other")));
            Files.writeString(corefile, other.block("https", port, ""));
            assertTrue(ts.server().reload());
            assertTrue(answers(port, other.trusting(null)), "the new certificate is served");
            assertFalse(answers(port, pki.trusting(null)), "the old one is not");
            Files.writeString(corefile, "https://.:" + port + " {\n bind 127.0.0.1\n whoami\n}\n");
            assertTrue(ts.server().reload());
            // The retired TLS socket is closed when the reload returns, so SO_REUSEPORT cannot hand it
            // the next connection. Before the close waited for Jetty's acceptor to leave accept(2), it
            // still listened after 3 of 40 reloads under load, and one such query got no bytes back.
            if (Files.exists(Path.of("/proc/net/tcp6"))) { // Linux
                assertEquals(1, listeningSockets(port), "only the new listener's socket listens");
            }
            assertTrue(answersInCleartext(port), "without tls a new listener serves cleartext");
        }
    }

    /** Sockets listening on the TCP port (IPv4 and IPv6) as /proc/net/tcp{,6} lists them. */
    private static int listeningSockets(int port) throws IOException {
        String local = String.format(":%04X", port);
        int n = 0;
        for (String table : new String[]{"/proc/net/tcp", "/proc/net/tcp6"}) {
            for (String line : Files.readAllLines(Path.of(table))) {
                String[] f = line.trim().split("\\s+"); // sl local_address rem_address st ...
                if (f.length > 3 && f[1].endsWith(local) && f[3].equals("0A")) { // 0A: TCP_LISTEN
                    n++;
                }
            }
        }
        return n;
    }

    /** Whether a POST over cleartext HTTP/1.1 gets a DNS answer. */
    private static boolean answersInCleartext(int port) throws Exception {
        try (HttpClient http = client(HttpClient.Version.HTTP_1_1, pki.trusting(null))) {
            HttpResponse<byte[]> r = send(http, HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port
                    + "/dns-query")).POST(HttpRequest.BodyPublishers.ofByteArray(
                            DnsClient.query("who.example.", Type.A).toWire())));
            return r.statusCode() == 200 && new Message(r.body()).getRcode() == Rcode.NOERROR;
        } catch (IOException refused) {
            return false;
        }
    }

    /**
     * 128 POSTs whose bodies stop after a byte (Jetty dispatches a POST once some body came) hold the listener's 128 works: the next request is
     * answered 503 at once rather than read (counted in {@code nodedns_tcp_shed_total}), and is served again when they go.
     */
    @Test
    void slowPostBodiesHoldTheListenersBoundAndTheNextIsRefused() throws Exception {
        int port = FreePorts.udpAndTcp();
        java.util.List<Socket> slow = new java.util.ArrayList<>();
        // read 30s: the bodies hold their works until closed, not until the default 3 s deadline, which
        // under load could pass for the first of them before the last was dispatched (a 200, not the 503)
        try (TestServer ts = TestServer.fromText(
                "https://.:" + port + " {\n bind 127.0.0.1\n whoami\n timeouts {\n read 30s\n }\n}\n")) {
            for (int i = 0; i < 128; i++) {
                Socket s = new Socket("127.0.0.1", port);
                slow.add(s);
                s.getOutputStream().write(("POST /dns-query HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n" + "x")
                        .getBytes(StandardCharsets.US_ASCII));
            }
            int status = 0;
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (status != 503 && System.nanoTime() < deadline) {
                status = cleartextStatus(port);
            }
            assertEquals(503, status, "a request past the 128 bodies being read is refused");
            MetricValues metrics = new MetricValues();
            ts.firstListener().collect(metrics);
            assertEquals(1,
                    metrics.value("nodedns_tcp_shed", "server", ts.firstListener().label(), "action", "unavailable"),
                    "and counted as shed");
            for (Socket s : slow) {
                s.close();
            }
            slow.clear();
            deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (status != 200 && System.nanoTime() < deadline) {
                status = cleartextStatus(port);
            }
            assertEquals(200, status, "served again when they close");
        } finally {
            for (Socket s : slow) {
                s.close();
            }
        }
    }

    /** A body trickled a byte a second, each restarting Jetty's idle timeout, is cut at {@code read}. */
    @Test
    void aTrickledBodyIsCutAtTheReadDeadline() throws Exception {
        int port = FreePorts.udpAndTcp();
        try (TestServer ts = TestServer.fromText(
                "https://.:" + port + " {\n bind 127.0.0.1\n whoami\n timeouts {\n read 2s\n }\n}\n");
                Socket s = new Socket("127.0.0.1", port)) {
            s.setSoTimeout(20_000);
            s.getOutputStream().write(("POST /dns-query HTTP/1.1\r\nHost: x\r\nContent-Length: 30\r\n\r\n")
                    .getBytes(StandardCharsets.US_ASCII));
            long t0 = System.nanoTime();
            Thread trickle = Thread.ofVirtual().start(() -> {
                try {
                    for (int i = 0; i < 30; i++) {
                        s.getOutputStream().write('x');
                        Thread.sleep(1000);
                    }
                } catch (IOException | InterruptedException cut) {
                    // the server closed it: what the test waits for
                }
            });
            try {
                s.getInputStream().read(); // a response or the close, whichever the cut gives
            } catch (IOException reset) {
                // closed: cut too
            }
            long took = System.nanoTime() - t0;
            trickle.interrupt();
            assertTrue(took < TimeUnit.SECONDS.toNanos(12), "cut after " + took / 1_000_000 + " ms, body takes 30 s");
        }
    }

    /** The status of one POST over cleartext HTTP/1.1. */
    private static int cleartextStatus(int port) throws Exception {
        try (HttpClient http = client(HttpClient.Version.HTTP_1_1, pki.trusting(null))) {
            return send(http, HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/dns-query"))
                    .POST(HttpRequest.BodyPublishers.ofByteArray(DnsClient.query("who.example.", Type.A).toWire())))
                    .statusCode();
        }
    }

    @Test
    void withoutTheTlsPluginItIsCleartextHttp11AsInCoreDns() throws Exception {
        int port = FreePorts.udpAndTcp();
        try (TestServer ts = TestServer.fromText("https://.:" + port + " {\n bind 127.0.0.1\n whoami\n}\n")) {
            assertTrue(answersInCleartext(port));
            assertFalse(answers(port, pki.trusting(null)), "TLS is not served");
        }
    }
}
