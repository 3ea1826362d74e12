package io.nodedns.plugin.tls;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.nodedns.testing.DnsClient;
import io.nodedns.testing.FreePorts;
import io.nodedns.testing.ImageJvm;
import io.nodedns.testing.Unmeasured;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.xbill.DNS.Message;
import org.xbill.DNS.Rcode;
import org.xbill.DNS.Type;

/**
 * What an https:// block costs a process: Jetty is loaded only for a Corefile that has one (a
 * plain Corefile, or one with a tls:// block, loads no {@code org.eclipse.jetty} class), and the
 * resident memory of the image's JVM without either, with a tls:// block (the JDK's TLS alone) and
 * with an https:// block (printed, for docs/operations.md).
 */
@Unmeasured // the child's RSS is printed, not asserted
class DohFootprintTest {
    @TempDir
    Path dir;

    @Test
    void jettyLoadsOnlyForAnHttpsBlock() throws Exception {
        TlsFixture pki = new TlsFixture(dir);
        int dns = FreePorts.udpAndTcp();
        String plain = ".:" + dns + " {\n bind 127.0.0.1\n whoami\n}\n";
        long plainRss = serve("plain", plain, dns, pki, null, -1);
        int dot = FreePorts.udpAndTcp();
        long dotRss = serve("dot", plain + pki.block("tls", dot, ""), dns, pki, "tls", dot);
        int doh = FreePorts.udpAndTcp();
        long dohRss = serve("doh", plain + pki.block("https", doh, ""), dns, pki, "https", doh);
        System.out.printf("VmRSS after one query: %d KiB plain, %d KiB with a tls:// block (+%d KiB),"
                + " %d KiB with an https:// block (+%d KiB)%n", plainRss, dotRss, dotRss - plainRss, dohRss,
                dohRss - plainRss);
    }

    /** The UDP block may answer before the other listener is bound: waits until a TCP connect succeeds. */
    private static void awaitListening(ImageJvm p, int port) throws Exception {
        for (long end = System.nanoTime() + 30_000_000_000L; System.nanoTime() < end; Thread.sleep(100)) {
            try (Socket s = new Socket("127.0.0.1", port)) {
                return;
            } catch (java.io.IOException notYet) {
                assertTrue(p.isAlive(), p.log());
            }
        }
        throw new AssertionError("nothing listens on " + port + ": " + p.log());
    }

    /**
     * Starts the image's JVM on {@code corefile}, asks over UDP and over {@code scheme} (null: none),
     * checks that Jetty's classes are loaded exactly for https; the RSS in KiB.
     */
    private long serve(String name, String corefile, int dns, TlsFixture pki, String scheme, int port)
            throws Exception {
        Path conf = Files.writeString(dir.resolve(name + ".Corefile"), corefile);
        Path classes = dir.resolve(name + ".classes");
        try (ImageJvm p = ImageJvm.start(dir.resolve(name + ".log"), List.of("-Xlog:class+load=info:file=" + classes),
                "-conf", conf.toString()); DnsClient client = new DnsClient("127.0.0.1", dns)) {
            Message q = DnsClient.query("who.example.", Type.A);
            assertEquals(Rcode.NOERROR, p.awaitReply(client, q, Duration.ofSeconds(60)).getRcode());
            if ("https".equals(scheme)) {
                awaitListening(p, port);
                try (HttpClient http = HttpClient.newBuilder().sslContext(pki.trusting(null))
                        .version(HttpClient.Version.HTTP_2).build()) {
                    HttpResponse<byte[]> r = http.send(HttpRequest.newBuilder(URI.create("https://127.0.0.1:" + port
                            + "/dns-query")).POST(HttpRequest.BodyPublishers.ofByteArray(q.toWire())).build(),
                            HttpResponse.BodyHandlers.ofByteArray());
                    assertEquals(200, r.statusCode(), p.log());
                    assertEquals(HttpClient.Version.HTTP_2, r.version());
                }
            } else if ("tls".equals(scheme)) {
                awaitListening(p, port);
                try (Socket s = pki.trusting(null).getSocketFactory().createSocket("127.0.0.1", port)) {
                    assertEquals(Rcode.NOERROR, DnsClient.exchange(s, q).getRcode());
                }
            }
            long rss = p.rssKiB();
            String loaded = Files.readString(classes);
            assertTrue(loaded.contains("io.nodedns.server.Listener "), "the class log is written: " + classes);
            if ("https".equals(scheme)) {
                assertTrue(loaded.contains("org.eclipse.jetty.http2."), "an https:// block runs on Jetty");
            } else {
                assertFalse(loaded.contains("org.eclipse.jetty"), loaded.lines()
                        .filter(l -> l.contains("org.eclipse.jetty")).limit(5).toList().toString());
            }
            return rss;
        }
    }
}
