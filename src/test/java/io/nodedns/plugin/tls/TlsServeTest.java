package io.nodedns.plugin.tls;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.nodedns.config.ConfigException;
import io.nodedns.testing.DnsClient;
import io.nodedns.testing.FreePorts;
import io.nodedns.testing.TestCa;
import io.nodedns.testing.TestServer;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
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
import java.util.List;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SNIHostName;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLHandshakeException;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManagerFactory;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.xbill.DNS.Message;
import org.xbill.DNS.Rcode;
import org.xbill.DNS.Section;
import org.xbill.DNS.Type;

/**
 * tls:// (RFC 7858) and https:// (RFC 8484) server blocks with the tls plugin, over real sockets:
 * a JDK client and kdig (Debian knot-dnsutils) with the test CA, certificate names, client
 * certificates, the DoH status codes CoreDNS gives, and the read deadline that closes idle
 * connections.
 */
class TlsServeTest {
    private static final Path KDIG = Path.of("/usr/bin/kdig");
    @TempDir
    static Path dir;
    static TestCa ca;
    static Path caPem;
    static Path[] server;
    static TestCa.Issued client;

    @BeforeAll
    static void pki() throws Exception {
        ca = new TestCa("nodedns serve test CA");
        caPem = ca.writeCa(dir.resolve("ca.crt"));
        server = ca.issue("dns.test", List.of("dns.test"), List.of(InetAddress.getByName("127.0.0.1"))).write(dir,
                "server");
        client = ca.issue("client.test", List.of("client.test"), List.of());
    }

    /** The default read deadline (3 s for the handshake and first query) is too short for a cold JVM on a loaded CI machine. */
    private static String block(String scheme, int port, String tlsOptions) {
        return block(scheme, port, tlsOptions, "timeouts {\n read 30s\n }");
    }

    private static String block(String scheme, int port, String tlsOptions, String... extra) {
        return scheme + "://.:" + port + " {\n bind 127.0.0.1\n tls " + server[0] + " " + server[1] + " " + caPem
                + tlsOptions + "\n whoami\n" + String.join("\n", extra) + "\n}\n";
    }

    private static SSLContext trusting(TestCa.Issued presenting) throws Exception {
        if (presenting != null) {
            return presenting.context();
        }
        KeyStore ts = KeyStore.getInstance("PKCS12");
        ts.load(null, null);
        ts.setCertificateEntry("ca", ca.cert());
        TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        tmf.init(ts);
        SSLContext ctx = SSLContext.getInstance("TLS");
        ctx.init(null, tmf.getTrustManagers(), null);
        return ctx;
    }

    /** A DoT client that checks the server's certificate for {@code name} as RFC 8310's strict profile does. */
    private static SSLSocket dot(int port, String name, TestCa.Issued presenting) throws Exception {
        Socket tcp = new Socket("127.0.0.1", port);
        SSLSocket s = (SSLSocket) trusting(presenting).getSocketFactory().createSocket(tcp, name, port, true);
        SSLParameters p = s.getSSLParameters();
        p.setEndpointIdentificationAlgorithm("HTTPS");
        p.setServerNames(List.of(new SNIHostName(name)));
        s.setSSLParameters(p);
        s.setSoTimeout(5000);
        return s;
    }

    private static Message exchange(Socket s, Message query) throws IOException {
        byte[] wire = query.toWire();
        OutputStream out = s.getOutputStream();
        out.write(new byte[]{(byte) (wire.length >>> 8), (byte) wire.length});
        out.write(wire);
        out.flush();
        DataInputStream in = new DataInputStream(s.getInputStream());
        byte[] reply = new byte[in.readUnsignedShort()];
        in.readFully(reply);
        return new Message(reply);
    }

    @Test
    void dotAnswersWithTheRightNameAndFailsClearlyOnAWrongOne() throws Exception {
        int port = FreePorts.udpAndTcp();
        try (TestServer ts = TestServer.fromText(block("tls", port, ""))) {
            assertEquals("tls://127.0.0.1:" + port, ts.firstListener().label());
            try (SSLSocket s = dot(port, "dns.test", null)) {
                for (int i = 0; i < 3; i++) { // one connection, several queries
                    Message reply = exchange(s, DnsClient.query("who.example.", Type.A));
                    assertEquals(Rcode.NOERROR, reply.getRcode(), reply.toString());
                    assertEquals(2, reply.getSection(Section.ADDITIONAL).size(), reply.toString()); // whoami's A and SRV
                }
            }
            SSLHandshakeException wrong = assertThrows(SSLHandshakeException.class,
                    () -> exchange(dot(port, "other.test", null), DnsClient.query("who.example.", Type.A)));
            assertTrue(wrong.getMessage().contains("other.test"), wrong.getMessage());
            // nothing is answered over UDP or cleartext TCP on a tls:// listener
            try (Socket plain = new Socket("127.0.0.1", port)) {
                plain.setSoTimeout(5000);
                assertThrows(IOException.class, () -> exchange(plain, DnsClient.query("who.example.", Type.A)));
            }
        }
    }

    @Test
    void kdigQueriesOverTls() throws Exception {
        Assumptions.assumeTrue(Files.isExecutable(KDIG), "kdig is not installed (Debian package knot-dnsutils)");
        int port = FreePorts.udpAndTcp();
        try (TestServer ts = TestServer.fromText(block("tls", port, ""))) {
            String ok = kdig("@127.0.0.1", "-p", "" + port, "+tls-ca=" + caPem, "+tls-hostname=dns.test",
                    "who.example.", "A");
            assertTrue(ok.contains("status: NOERROR") && ok.contains("TLS"), ok);
            String bad = kdig("@127.0.0.1", "-p", "" + port, "+tls-ca=" + caPem, "+tls-hostname=other.test",
                    "who.example.", "A");
            assertTrue(!bad.contains("status: NOERROR") && bad.contains("failed"), bad);
        }
    }

    private static String kdig(String... args) throws Exception {
        List<String> cmd = new java.util.ArrayList<>(List.of(KDIG.toString(), "+time=3", "+retry=0"));
        cmd.addAll(List.of(args));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(20, TimeUnit.SECONDS));
        return out;
    }

    @Test
    void clientCertificatesAreRequiredAndVerifiedWhenAsked() throws Exception {
        int port = FreePorts.udpAndTcp();
        try (TestServer ts = TestServer.fromText(block("tls", port, " {\n client_auth require_and_verify\n }"))) {
            try (SSLSocket s = dot(port, "dns.test", client)) {
                assertEquals(Rcode.NOERROR, exchange(s, DnsClient.query("who.example.", Type.A)).getRcode());
            }
            assertThrows(IOException.class,
                    () -> exchange(dot(port, "dns.test", null), DnsClient.query("who.example.", Type.A)));
            TestCa other = new TestCa("another CA");
            assertThrows(IOException.class, () -> exchange(dot(port, "dns.test",
                    new TestCa.Issued(other.issue("x", List.of("x"), List.of()).cert(),
                            other.issue("x", List.of("x"), List.of()).key(), ca.cert())),
                    DnsClient.query("who.example.", Type.A)));
        }
    }

    @Test
    void dohAnswersGetAndPostAsCoreDns() throws Exception {
        int port = FreePorts.udpAndTcp();
        try (TestServer ts = TestServer.fromText(block("https", port, ""));
                HttpClient http = HttpClient.newBuilder().sslContext(trusting(null))
                        .version(HttpClient.Version.HTTP_1_1)
                        .connectTimeout(Duration.ofSeconds(5)).build()) {
            assertEquals("https://127.0.0.1:" + port, ts.firstListener().label());
            byte[] wire = DnsClient.query("who.example.", Type.A).toWire();
            String base = "https://127.0.0.1:" + port;
            HttpResponse<byte[]> get = http.send(HttpRequest.newBuilder(URI.create(base + "/dns-query?dns="
                    + Base64.getUrlEncoder().withoutPadding().encodeToString(wire))).build(),
                    HttpResponse.BodyHandlers.ofByteArray());
            assertEquals(200, get.statusCode());
            assertEquals("application/dns-message", get.headers().firstValue("content-type").orElseThrow());
            assertEquals("max-age=0", get.headers().firstValue("cache-control").orElseThrow()); // whoami's TTL 0
            assertEquals(Rcode.NOERROR, new Message(get.body()).getRcode());
            HttpResponse<byte[]> post = http.send(HttpRequest.newBuilder(URI.create(base + "/dns-query"))
                    .header("content-type", "application/dns-message")
                    .POST(HttpRequest.BodyPublishers.ofByteArray(wire)).build(),
                    HttpResponse.BodyHandlers.ofByteArray());
            assertEquals(200, post.statusCode());
            assertEquals(2, new Message(post.body()).getSection(Section.ADDITIONAL).size());
            assertEquals(404, http.send(HttpRequest.newBuilder(URI.create(base + "/other")).build(),
                    HttpResponse.BodyHandlers.discarding()).statusCode());
            assertEquals(400, http.send(HttpRequest.newBuilder(URI.create(base + "/dns-query")).build(),
                    HttpResponse.BodyHandlers.discarding()).statusCode());
            assertEquals(400, http.send(HttpRequest.newBuilder(URI.create(base + "/dns-query?dns=!!!!")).build(),
                    HttpResponse.BodyHandlers.discarding()).statusCode());
            assertEquals(400, http.send(HttpRequest.newBuilder(URI.create(base + "/dns-query"))
                    .PUT(HttpRequest.BodyPublishers.ofByteArray(wire)).build(), HttpResponse.BodyHandlers.discarding())
                    .statusCode());
        }
    }

    @Test
    void dohWithCurlOverHttp11() throws Exception {
        Path curl = Path.of("/usr/bin/curl");
        Assumptions.assumeTrue(Files.isExecutable(curl), "curl is not installed (Debian package curl)");
        int port = FreePorts.udpAndTcp();
        Path query = dir.resolve("q.bin");
        Files.write(query, DnsClient.query("who.example.", Type.A).toWire());
        Path reply = dir.resolve("r.bin");
        try (TestServer ts = TestServer.fromText(block("https", port, ""))) {
            Process p = new ProcessBuilder(curl.toString(), "-sS", "--http1.1", "--cacert", caPem.toString(),
                    "--resolve", "dns.test:" + port + ":127.0.0.1", "-H", "content-type: application/dns-message",
                    "--data-binary", "@" + query, "-o", reply.toString(), "-w", "%{http_code}",
                    "https://dns.test:" + port + "/dns-query").redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertTrue(p.waitFor(20, TimeUnit.SECONDS));
            assertEquals("200", out.trim(), out);
            assertEquals(Rcode.NOERROR, new Message(Files.readAllBytes(reply)).getRcode());
        }
    }

    @Test
    void idleConnectionsAreClosedAtTheReadDeadline() throws Exception {
        int port = FreePorts.udpAndTcp();
        try (TestServer ts = TestServer.fromText(block("tls", port, "", "timeouts {\n read 1s\n }"))) {
            try (Socket idle = new Socket("127.0.0.1", port)) { // never starts the handshake
                idle.setSoTimeout(8000);
                long t0 = System.nanoTime();
                InputStream in = idle.getInputStream();
                int got;
                try {
                    got = in.read();
                } catch (IOException reset) {
                    got = -1;
                }
                assertEquals(-1, got);
                assertTrue(System.nanoTime() - t0 < TimeUnit.SECONDS.toNanos(6));
            }
            try (SSLSocket s = dot(port, "dns.test", null)) { // still serving
                assertEquals(Rcode.NOERROR, exchange(s, DnsClient.query("who.example.", Type.A)).getRcode());
            }
        }
    }

    @Test
    void tlsWithoutTheTlsPluginIsCleartextAsInCoreDns() throws Exception {
        int port = FreePorts.udpAndTcp();
        try (TestServer ts = TestServer.fromText("tls://.:" + port + " {\n bind 127.0.0.1\n whoami\n}\n");
                Socket plain = new Socket("127.0.0.1", port)) {
            plain.setSoTimeout(5000);
            assertEquals(Rcode.NOERROR, exchange(plain, DnsClient.query("who.example.", Type.A)).getRcode());
        }
    }

    @Test
    void setupErrorsNameTheLine() {
        ConfigException one = assertThrows(ConfigException.class,
                () -> TestServer.fromText("tls://.:8853 {\n tls " + server[0] + "\n whoami\n}\n"));
        assertTrue(one.getMessage().contains("Corefile:2"), one.getMessage());
        ConfigException auth = assertThrows(ConfigException.class, () -> TestServer.fromText(
                "tls://.:8853 {\n tls " + server[0] + " " + server[1] + " {\n client_auth maybe\n }\n whoami\n}\n"));
        assertTrue(auth.getMessage().contains("unknown authentication type 'maybe'"), auth.getMessage());
        ConfigException missing = assertThrows(ConfigException.class,
                () -> TestServer.fromText("tls://.:8853 {\n tls /nonexistent.crt " + server[1] + "\n whoami\n}\n"));
        assertTrue(missing.getMessage().contains("/nonexistent.crt"), missing.getMessage());
        ConfigException acme = assertThrows(ConfigException.class,
                () -> TestServer.fromText("tls://.:8853 {\n tls {\n acme dns.test\n }\n whoami\n}\n"));
        assertTrue(acme.getMessage().contains("ACME"), acme.getMessage());
        ConfigException twice = assertThrows(ConfigException.class, () -> TestServer.fromText("tls://.:8853 {\n tls "
                + server[0] + " " + server[1] + "\n tls " + server[0] + " " + server[1] + "\n whoami\n}\n"));
        assertTrue(twice.getMessage().contains("TLS already configured"), twice.getMessage());
        ConfigException mixed = assertThrows(ConfigException.class,
                () -> TestServer.fromText(".:8853 {\n whoami\n}\ntls://example.org:8853 {\n whoami\n}\n"));
        assertTrue(
                mixed.getMessage().contains("Corefile:4")
                        && mixed.getMessage().contains("one port serves one transport"),
                mixed.getMessage());
        ConfigException quic = assertThrows(ConfigException.class,
                () -> TestServer.fromText("quic://.:8853 {\n whoami\n}\n"));
        assertTrue(quic.getMessage().contains("'quic://' is not supported"), quic.getMessage());
    }
}
