package io.nodedns.plugin.forward;

import static io.nodedns.plugin.forward.ForwardTesting.eventually;
import static io.nodedns.plugin.forward.ForwardTesting.start;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.nodedns.testing.DnsClient;
import io.nodedns.testing.DotServer;
import io.nodedns.testing.LogCapture;
import io.nodedns.testing.MetricValues;
import io.nodedns.testing.TestCa;
import io.nodedns.upstream.HealthChecker;
import io.nodedns.upstream.Upstream;
import java.net.InetAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.xbill.DNS.ARecord;
import org.xbill.DNS.Message;
import org.xbill.DNS.Rcode;
import org.xbill.DNS.Section;
import org.xbill.DNS.Type;

/**
 * DNS-over-TLS upstreams (RFC 7858) through the running server: a loopback DoT server with a
 * certificate from a CA made at test time; chain and name checks, connection reuse and expiry,
 * client certificates, and health probes over TLS.
 */
class ForwardTlsTest {
    @TempDir
    static Path dir;
    static TestCa ca;
    static Path caPem;
    /** Certificate for dns.test and 127.0.0.1. */
    static TestCa.Issued server;
    static TestCa.Issued client;
    static Path[] clientFiles;

    @BeforeAll
    static void pki() throws Exception {
        ca = new TestCa("nodedns test CA");
        caPem = ca.writeCa(dir.resolve("ca.crt"));
        server = ca.issue("dns.test", List.of("dns.test"), List.of(InetAddress.getByName("127.0.0.1")));
        client = ca.issue("client.test", List.of("client.test"), List.of());
        clientFiles = client.write(dir, "client");
    }

    private static String corefile(DotServer dot, String options) {
        return ".:PORT {\n forward . tls://127.0.0.1:" + dot.port() + " {\n" + options + "\n }\n}";
    }

    private static void assertAnswered(Message reply) {
        assertNotNull(reply, "no reply");
        assertEquals(Rcode.NOERROR, reply.getRcode(), reply.toString());
        ARecord a = (ARecord) reply.getSection(Section.ANSWER).getFirst();
        assertEquals(DotServer.ANSWER, a.getAddress().getHostAddress());
    }

    @Test
    void answersThroughTheDotServerWithTheCaAndServerName() throws Exception {
        try (DotServer dot = new DotServer(server.context(), false);
                var s = start(corefile(dot, "tls " + caPem + "\n tls_servername dns.test"))) {
            assertAnswered(s.udp(DnsClient.query("udp.example.org", Type.A)));
            assertAnswered(s.tcp(DnsClient.query("tcp.example.org", Type.A)));
            assertEquals(List.of("udp.example.org. A", "tcp.example.org. A"), dot.questions());
            Upstream u = s.forward().table().get()[0];
            assertTrue(u.isTls());
            assertEquals("tcp-tls", u.streamProto());
            assertEquals(0, u.tcp().handshakeFailures());
        }
    }

    @Test
    void aWrongServerNameFailsClearly() throws Exception {
        try (LogCapture log = new LogCapture();
                DotServer dot = new DotServer(server.context(), false);
                var s = start(corefile(dot, "tls " + caPem + "\n tls_servername wrong.test\n max_fails 0"))) {
            Message reply = s.udp(DnsClient.query("wrong.example.org", Type.A), 6000);
            assertNotNull(reply);
            assertEquals(Rcode.SERVFAIL, reply.getRcode());
            assertEquals(List.of(), dot.questions(), "no query may go to a server that failed the name check");
            assertEquals(0, dot.handshakes());
            Upstream u = s.forward().table().get()[0];
            assertTrue(u.tcp().handshakeFailures() >= 1);
            String line = log.await("failed to verify certificate for wrong.test", 2000);
            assertNotNull(line, String.join("\n", log.lines()));
            assertTrue(line.startsWith("[WARNING] plugin/forward: dial tcp-tls 127.0.0.1:" + dot.port() + ": tls: "),
                    line);
            assertEquals(1, s.forward().responses(Rcode.SERVFAIL));
        }
    }

    @Test
    void metricsNameTheTlsProtoAndCountHandshakeFailures() throws Exception {
        int http = io.nodedns.testing.FreePorts.udpAndTcp();
        TestCa.Issued nameOnly = ca.issue("dns.test", List.of("dns.test"), List.of());
        try (DotServer bad = new DotServer(nameOnly.context(), false); // no IP SAN: fails without a server name
                DotServer good = new DotServer(server.context(), false);
                var s = start(".:PORT {\n prometheus 127.0.0.1:" + http + "\n forward . tls://127.0.0.1:" + bad.port()
                        + " tls://127.0.0.1:" + good.port() + " {\n tls " + caPem
                        + "\n policy sequential\n max_fails 0\n }\n}")) {
            assertAnswered(s.udp(DnsClient.query("m1.example.org", Type.A)));
            assertAnswered(s.udp(DnsClient.query("m2.example.org", Type.A)));
            String body = MetricValues.scrape(http);
            assertEquals(2.0,
                    MetricValues.valueIn(body, "nodedns_forward_tls_handshake_failures_total",
                            "to=\"127.0.0.1:" + bad.port() + "\""),
                    body);
            assertEquals(0.0,
                    MetricValues.valueIn(body, "nodedns_forward_tls_handshake_failures_total",
                            "to=\"127.0.0.1:" + good.port() + "\""),
                    body);
            String to = "to=\"127.0.0.1:" + good.port() + "\"";
            assertEquals(1.0,
                    MetricValues.valueIn(body, "coredns_proxy_conn_cache_misses_total", to, "proto=\"tcp-tls\""), body);
            assertEquals(1.0,
                    MetricValues.valueIn(body, "coredns_proxy_conn_cache_hits_total", to, "proto=\"tcp-tls\""), body);
        }
    }

    @Test
    void withoutServerNameTheCertificateMustNameTheIp() throws Exception {
        TestCa.Issued nameOnly = ca.issue("dns.test", List.of("dns.test"), List.of());
        try (DotServer withIp = new DotServer(server.context(), false);
                DotServer withoutIp = new DotServer(nameOnly.context(), false);
                var ok = start(corefile(withIp, "tls " + caPem));
                var bad = start(corefile(withoutIp, "tls " + caPem + "\n max_fails 0"))) {
            assertAnswered(ok.udp(DnsClient.query("ip.example.org", Type.A)));
            assertEquals(Rcode.SERVFAIL, bad.udp(DnsClient.query("ip.example.org", Type.A), 6000).getRcode());
            assertEquals(List.of(), withoutIp.questions());
        }
    }

    @Test
    void perDestinationServerName() throws Exception {
        try (DotServer dot = new DotServer(server.context(), false);
                var s = start(".:PORT {\n forward . tls://127.0.0.1%dns.test:" + dot.port() + " {\n tls " + caPem
                        + "\n }\n}")) {
            assertAnswered(s.udp(DnsClient.query("pct.example.org", Type.A)));
        }
    }

    @Test
    void anUntrustedCaFails() throws Exception {
        // no tls option: the system roots (Go's bundle paths, else the JDK's), which do not hold the test CA
        try (DotServer dot = new DotServer(server.context(), false);
                var s = start(corefile(dot, "tls_servername dns.test\n max_fails 0"))) {
            assertEquals(Rcode.SERVFAIL, s.udp(DnsClient.query("ca.example.org", Type.A), 6000).getRcode());
            assertEquals(List.of(), dot.questions());
            assertTrue(s.forward().table().get()[0].tcp().handshakeFailures() >= 1);
        }
    }

    @Test
    void connectionsAreReusedAndExpire() throws Exception {
        try (DotServer dot = new DotServer(server.context(), false);
                var s = start(corefile(dot, "tls " + caPem + "\n tls_servername dns.test\n expire 300ms"))) {
            for (int i = 0; i < 5; i++) {
                assertAnswered(s.udp(DnsClient.query("reuse" + i + ".example.org", Type.A)));
            }
            Upstream u = s.forward().table().get()[0];
            assertEquals(1, dot.handshakes(), "one TLS connection for five queries in a row");
            assertEquals(1, u.tcp().misses());
            assertEquals(4, u.tcp().hits());
            Thread.sleep(700); // past expire: the idle connection is closed, the next query dials again
            assertTrue(eventually(2000, () -> u.tcp().idleCount() == 0));
            assertAnswered(s.udp(DnsClient.query("after.example.org", Type.A)));
            assertEquals(2, dot.handshakes());
            assertEquals(2, u.tcp().misses());
        }
    }

    @Test
    void clientCertificateWhenTheServerRequiresOne() throws Exception {
        try (DotServer dot = new DotServer(server.context(), true);
                var withCert = start(corefile(dot, "tls " + clientFiles[0] + " " + clientFiles[1] + " " + caPem
                        + "\n tls_servername dns.test"));
                var withoutCert = start(corefile(dot, "tls " + caPem + "\n tls_servername dns.test\n max_fails 0"))) {
            assertAnswered(withCert.udp(DnsClient.query("cert.example.org", Type.A)));
            assertEquals(Rcode.SERVFAIL,
                    withoutCert.udp(DnsClient.query("nocert.example.org", Type.A), 6000).getRcode());
            assertEquals(List.of("cert.example.org. A"), dot.questions());
        }
    }

    @Test
    void healthProbesGoOverTls() throws Exception {
        try (DotServer dot = new DotServer(server.context(), false)) {
            ForwardConfig good = ForwardSetupTestAccess.parse("forward . tls://127.0.0.1:" + dot.port()
                    + " {\n tls " + caPem + "\n tls_servername dns.test\n}");
            ForwardConfig wrong = ForwardSetupTestAccess.parse("forward . tls://127.0.0.1:" + dot.port()
                    + " {\n tls " + caPem + "\n tls_servername wrong.test\n}");
            HealthChecker hc = new HealthChecker(Duration.ofMillis(100), true, ".", false, 2, null);
            Upstream ok = new Upstream(good.to().getFirst(), good.connOptions(), good.tlsClient(good.to().getFirst()));
            Upstream bad = new Upstream(wrong.to().getFirst(), wrong.connOptions(),
                    wrong.tlsClient(wrong.to().getFirst()));
            assertTrue(hc.probe(ok));
            assertEquals(List.of(". NS"), dot.questions(), "the probe went over TLS");
            assertFalse(hc.probe(bad), "a certificate that fails the name check keeps the upstream unhealthy");
            assertEquals(List.of(". NS"), dot.questions());
        }
    }
}
