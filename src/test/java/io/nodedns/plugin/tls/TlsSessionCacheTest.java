package io.nodedns.plugin.tls;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.nodedns.testing.DnsClient;
import io.nodedns.testing.FreePorts;
import io.nodedns.testing.TestServer;
import io.nodedns.testing.Unmeasured;
import io.nodedns.tls.ServerTls;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Collections;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSessionContext;
import javax.net.ssl.SSLSocket;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.xbill.DNS.Type;

/**
 * What a tls:// or https:// listener keeps of the TLS sessions it served: TLS 1.3 clients resume
 * from stateless tickets, so the server's session cache stays empty however many connections come
 * and go, and the cache (for TLS 1.2 clients that resume by session ID) is bounded to
 * {@link ServerTls#SESSION_CACHE}, not the JDK's 20,480. Before, every DoH connection that sent a
 * request left its session in the cache for 24 h (Jetty's SecureRequestCustomizer bound a value to
 * it, and the JDK answered with a second, stateful, ticket).
 */
@Unmeasured
class TlsSessionCacheTest {
    private static final int CONNECTIONS = 12;

    @RegisterExtension
    static final TlsFixture pki = new TlsFixture();

    @Test
    void serverSessionCacheIsBounded() throws Exception {
        int port = FreePorts.udpAndTcp();
        try (TestServer ts = TestServer.fromText(pki.block("https", port, ""))) {
            SSLSessionContext sessions = ts.firstListener().tls().context().getServerSessionContext();
            assertEquals(ServerTls.SESSION_CACHE, sessions.getSessionCacheSize());
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"https", "tls"})
    void connectionsLeaveNoSessionOnTheServer(String scheme) throws Exception {
        int port = FreePorts.udpAndTcp();
        try (TestServer ts = TestServer.fromText(pki.block(scheme, port, ""))) {
            SSLContext trusting = pki.trusting(null);
            for (int i = 0; i < CONNECTIONS; i++) {
                try (SSLSocket s = (SSLSocket) trusting.getSocketFactory().createSocket("127.0.0.1", port)) {
                    s.setSoTimeout(10_000);
                    if (scheme.equals("https")) {
                        assertEquals("HTTP/1.1 200", dohGet(s));
                    } else {
                        assertEquals(0, DnsClient.exchange(s, DnsClient.query("who.example.", Type.A)).getRcode());
                    }
                    assertEquals("TLSv1.3", s.getSession().getProtocol());
                    s.getSession().invalidate(); // the next connection is a new client's: a full handshake
                }
            }
            SSLSessionContext sessions = ts.firstListener().tls().context().getServerSessionContext();
            assertEquals(0, Collections.list(sessions.getIds()).size(),
                    "sessions the server keeps after " + CONNECTIONS + " " + scheme + " connections");
        }
    }

    /** One DoH GET over HTTP/1.1 on {@code s}, then its end: the status line's first 12 bytes. */
    private static String dohGet(SSLSocket s) throws Exception {
        byte[] wire = DnsClient.query("who.example.", Type.A).toWire();
        s.getOutputStream().write(("GET /dns-query?dns=" + Base64.getUrlEncoder().withoutPadding().encodeToString(wire)
                + " HTTP/1.1\r\nHost: dns.test\r\nConnection: close\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
        s.getOutputStream().flush();
        InputStream in = s.getInputStream();
        String status = new String(in.readNBytes(12), StandardCharsets.US_ASCII);
        in.readAllBytes();
        return status;
    }
}
