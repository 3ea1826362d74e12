package io.nodedns.plugin.tls;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.nodedns.testing.TestCa;
import java.io.IOException;
import java.net.InetAddress;
import java.net.Socket;
import java.net.SocketException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLContext;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * What the tls:// and https:// serving tests share: a test CA, a server certificate for
 * {@code dns.test} and 127.0.0.1, a client certificate, server blocks using them, and kdig.
 * A test class gets one, made before its tests and its files removed after them:
 *
 * <pre>{@code
 * @RegisterExtension
 * static final TlsFixture pki = new TlsFixture();
 * }</pre>
 *
 * {@link #TlsFixture(Path)} makes another at once (a second CA, as a reload's new certificate).
 */
final class TlsFixture implements BeforeAllCallback, AfterAllCallback {
    static final Path KDIG = Path.of("/usr/bin/kdig");
    private Path dir;
    TestCa ca;
    Path caPem;
    /** The server's certificate and key files. */
    Path[] server;
    TestCa.Issued client;

    /** One made in {@link #beforeAll}, in a directory of its own: for {@code @RegisterExtension}. */
    TlsFixture() {}

    /** One made now, writing its files in {@code dir}. */
    TlsFixture(Path dir) throws Exception {
        make(dir);
    }

    private void make(Path into) throws Exception {
        ca = new TestCa("nodedns serve test CA");
        caPem = ca.writeCa(into.resolve("ca.crt"));
        server = ca.issue("dns.test", List.of("dns.test"), List.of(InetAddress.getByName("127.0.0.1"))).write(into,
                "server");
        client = ca.issue("client.test", List.of("client.test"), List.of());
    }

    @Override
    public void beforeAll(ExtensionContext context) throws Exception {
        dir = Files.createTempDirectory("tls-fixture");
        make(dir);
    }

    @Override
    public void afterAll(ExtensionContext context) throws IOException {
        if (dir != null) {
            for (Path p : new Path[]{caPem, server[0], server[1], dir}) {
                Files.deleteIfExists(p);
            }
        }
    }

    /** The default read deadline (3 s for the handshake and first query) is too short for a cold JVM on a loaded CI machine. */
    String block(String scheme, int port, String tlsOptions) {
        return block(scheme, port, tlsOptions, "timeouts {\n read 30s\n }");
    }

    String block(String scheme, int port, String tlsOptions, String... extra) {
        return scheme + "://.:" + port + " {\n bind 127.0.0.1\n tls " + server[0] + " " + server[1] + " " + caPem
                + tlsOptions + "\n whoami\n" + String.join("\n", extra) + "\n}\n";
    }

    /** A client context trusting the test CA, presenting {@code presenting} if not null. */
    SSLContext trusting(TestCa.Issued presenting) throws Exception {
        if (presenting != null) {
            return presenting.context();
        }
        return ca.trusting();
    }

    /** A certificate of another CA, shown by a client that trusts ours. */
    TestCa.Issued foreignClient() throws Exception {
        TestCa other = new TestCa("another CA");
        TestCa.Issued x = other.issue("x", List.of("x"), List.of());
        return new TestCa.Issued(x.cert(), x.key(), ca.cert());
    }

    /**
     * Opens a TCP connection to 127.0.0.1:{@code port} that never starts the TLS handshake and
     * asserts the server closes it (end of stream or a reset) within 6 s: the read deadline the
     * blocks under test set to 1 s, not the client's 8 s timeout.
     */
    static void assertSilentConnectionClosed(int port) throws IOException {
        try (Socket idle = new Socket("127.0.0.1", port)) {
            idle.setSoTimeout(8000);
            long t0 = System.nanoTime();
            int got;
            try {
                got = idle.getInputStream().read();
            } catch (SocketException reset) {
                got = -1;
            }
            assertEquals(-1, got, "the server sent a byte on a connection that sent nothing");
            long ms = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
            assertTrue(ms < 6000, "closed after " + ms + " ms");
        }
    }

    /** Runs kdig (one try, 3 s) with {@code args}; its output. */
    static String kdig(String... args) throws Exception {
        List<String> cmd = new ArrayList<>(List.of(KDIG.toString(), "+time=3", "+retry=0"));
        cmd.addAll(List.of(args));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(20, TimeUnit.SECONDS));
        return out;
    }
}
