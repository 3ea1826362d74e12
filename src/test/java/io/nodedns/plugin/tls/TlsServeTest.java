package io.nodedns.plugin.tls;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.nodedns.testing.DnsClient;
import io.nodedns.testing.FreePorts;
import io.nodedns.testing.SetupErrors;
import io.nodedns.testing.TestCa;
import io.nodedns.testing.TestServer;
import io.nodedns.testing.Unmeasured;
import java.io.IOException;
import java.net.Socket;
import java.nio.file.Files;
import java.util.List;
import javax.net.ssl.SNIHostName;
import javax.net.ssl.SSLHandshakeException;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.xbill.DNS.Message;
import org.xbill.DNS.Rcode;
import org.xbill.DNS.Section;
import org.xbill.DNS.Type;

/**
 * tls:// (RFC 7858) server blocks with the tls plugin, over real sockets: a JDK client and kdig
 * (Debian knot-dnsutils) with the test CA, certificate names, client certificates, and the read
 * deadline that closes idle connections. https:// blocks: {@link DohServeTest}.
 */
@Unmeasured
class TlsServeTest {
    @RegisterExtension
    static final TlsFixture pki = new TlsFixture();

    /** A DoT client that checks the server's certificate for {@code name} as RFC 8310's strict profile does. */
    private static SSLSocket dot(int port, String name, TestCa.Issued presenting) throws Exception {
        Socket tcp = new Socket("127.0.0.1", port);
        SSLSocket s = (SSLSocket) pki.trusting(presenting).getSocketFactory().createSocket(tcp, name, port, true);
        SSLParameters p = s.getSSLParameters();
        p.setEndpointIdentificationAlgorithm("HTTPS");
        p.setServerNames(List.of(new SNIHostName(name)));
        s.setSSLParameters(p);
        s.setSoTimeout(5000);
        return s;
    }

    @Test
    void dotAnswersWithTheRightNameAndFailsClearlyOnAWrongOne() throws Exception {
        int port = FreePorts.udpAndTcp();
        try (TestServer ts = TestServer.fromText(pki.block("tls", port, ""))) {
            assertEquals("tls://127.0.0.1:" + port, ts.firstListener().label());
            try (SSLSocket s = dot(port, "dns.test", null)) {
                for (int i = 0; i < 3; i++) { // one connection, several queries
                    Message reply = DnsClient.exchange(s, DnsClient.query("who.example.", Type.A));
                    assertEquals(Rcode.NOERROR, reply.getRcode(), reply.toString());
                    assertEquals(2, reply.getSection(Section.ADDITIONAL).size(), reply.toString()); // whoami's A and SRV
                }
            }
            SSLHandshakeException wrong = assertThrows(SSLHandshakeException.class,
                    () -> DnsClient.exchange(dot(port, "other.test", null), DnsClient.query("who.example.", Type.A)));
            assertTrue(wrong.getMessage().contains("other.test"), wrong.getMessage());
            // nothing is answered over UDP or cleartext TCP on a tls:// listener
            try (Socket plain = new Socket("127.0.0.1", port)) {
                plain.setSoTimeout(5000);
                assertThrows(IOException.class,
                        () -> DnsClient.exchange(plain, DnsClient.query("who.example.", Type.A)));
            }
        }
    }

    @Test
    void kdigQueriesOverTls() throws Exception {
        Assumptions.assumeTrue(Files.isExecutable(TlsFixture.KDIG),
                "kdig is not installed (Debian package knot-dnsutils)");
        int port = FreePorts.udpAndTcp();
        try (TestServer ts = TestServer.fromText(pki.block("tls", port, ""))) {
            String ok = TlsFixture.kdig("@127.0.0.1", "-p", "" + port, "+tls-ca=" + pki.caPem, "+tls-hostname=dns.test",
                    "who.example.", "A");
            assertTrue(ok.contains("status: NOERROR") && ok.contains("TLS"), ok);
            String bad = TlsFixture.kdig("@127.0.0.1", "-p", "" + port, "+tls-ca=" + pki.caPem,
                    "+tls-hostname=other.test",
                    "who.example.", "A");
            assertTrue(!bad.contains("status: NOERROR") && bad.contains("failed"), bad);
        }
    }

    @Test
    void clientCertificatesAreRequiredAndVerifiedWhenAsked() throws Exception {
        int port = FreePorts.udpAndTcp();
        try (TestServer ts = TestServer.fromText(pki.block("tls", port, " {\n client_auth require_and_verify\n }"))) {
            try (SSLSocket s = dot(port, "dns.test", pki.client)) {
                assertEquals(Rcode.NOERROR, DnsClient.exchange(s, DnsClient.query("who.example.", Type.A)).getRcode());
            }
            assertThrows(IOException.class,
                    () -> DnsClient.exchange(dot(port, "dns.test", null), DnsClient.query("who.example.", Type.A)));
            TestCa.Issued foreign = pki.foreignClient();
            assertThrows(IOException.class,
                    () -> DnsClient.exchange(dot(port, "dns.test", foreign), DnsClient.query("who.example.", Type.A)));
        }
    }

    @Test
    void idleConnectionsAreClosedAtTheReadDeadline() throws Exception {
        int port = FreePorts.udpAndTcp();
        try (TestServer ts = TestServer.fromText(pki.block("tls", port, "", "timeouts {\n read 1s\n }"))) {
            TlsFixture.assertSilentConnectionClosed(port);
            try (SSLSocket s = dot(port, "dns.test", null)) { // still serving
                assertEquals(Rcode.NOERROR, DnsClient.exchange(s, DnsClient.query("who.example.", Type.A)).getRcode());
            }
        }
    }

    @Test
    void tlsWithoutTheTlsPluginIsCleartextAsInCoreDns() throws Exception {
        int port = FreePorts.udpAndTcp();
        try (TestServer ts = TestServer.fromText("tls://.:" + port + " {\n bind 127.0.0.1\n whoami\n}\n");
                Socket plain = new Socket("127.0.0.1", port)) {
            plain.setSoTimeout(5000);
            assertEquals(Rcode.NOERROR, DnsClient.exchange(plain, DnsClient.query("who.example.", Type.A)).getRcode());
        }
    }

    @Test
    void setupErrorsNameTheLine() {
        String pair = pki.server[0] + " " + pki.server[1];
        SetupErrors.assertFails("tls://.:8853 {\n tls " + pki.server[0] + "\n whoami\n}\n", 2, "plugin/tls");
        SetupErrors.assertFails("tls://.:8853 {\n tls " + pair + " {\n client_auth maybe\n }\n whoami\n}\n", 3,
                "unknown authentication type 'maybe'");
        SetupErrors.assertFails("tls://.:8853 {\n tls /nonexistent.crt " + pki.server[1] + "\n whoami\n}\n", 2,
                "/nonexistent.crt");
        SetupErrors.assertFails("tls://.:8853 {\n tls {\n acme dns.test\n }\n whoami\n}\n", 2, "ACME");
        SetupErrors.assertFails("tls://.:8853 {\n tls " + pair + "\n tls " + pair + "\n whoami\n}\n", 3,
                "TLS already configured");
        SetupErrors.assertFails(".:8853 {\n whoami\n}\ntls://example.org:8853 {\n whoami\n}\n", 4,
                "one port serves one transport");
        SetupErrors.assertFails("quic://.:8853 {\n whoami\n}\n", 1, "'quic://' is not supported");
    }
}
