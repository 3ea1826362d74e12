package io.nodedns.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.nodedns.testing.DnsClient;
import io.nodedns.testing.FakeUpstream;
import io.nodedns.testing.FreePorts;
import io.nodedns.testing.TestCa;
import io.nodedns.testing.TestServer;
import java.io.IOException;
import java.net.InetAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import javax.net.ssl.SSLContext;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.xbill.DNS.Message;
import org.xbill.DNS.Rcode;
import org.xbill.DNS.Type;

/**
 * Reloads that replace an https:// listener lose no query of HTTP/2 clients, which RFC 8484
 * recommends and kdig and most DoH clients are: one connection, many streams at once, on which
 * {@code Connection: close} means nothing (RFC 9113 8.2.2). The old server says GOAWAY (RFC 9113
 * 6.8) once it has stopped accepting: the clients open their next streams on a new connection, to
 * the new listener, and the old server answers the streams it has and closes about a second after
 * its last reply, not at the retirement's 5 s bound under the streams of clients that were never
 * told to leave (before: 31 of 3,029 queries lost). DohReplaceReloadTest is HTTP/1.1's.
 */
class DohHttp2ReloadTest {
    /** HTTP/2 clients, one connection each. */
    private static final int CLIENTS = 2;
    /** Threads per client, each with one query in flight at a time: streams multiplexed on its connection. */
    private static final int STREAMS = 4;
    private static final int RELOADS = 6;
    /** The upstream's delay: a forwarded miss, so a reload always meets streams in flight. */
    private static final long UPSTREAM_MILLIS = 20;

    @TempDir
    Path dir;

    private String corefile(int port, int upstreamPort, Path[] cert, int readSeconds) {
        return """
                https://example.org:%d {
                    bind 127.0.0.1
                    tls %s %s
                    timeouts {
                        read %ds
                    }
                    forward . 127.0.0.1:%d
                }
                """.formatted(port, cert[0], cert[1], readSeconds, upstreamPort);
    }

    @Test
    void replacingReloadsLoseNoHttp2QueryAndCloseTheOldConnections() throws Exception {
        TestCa ca = new TestCa("nodedns http2 reload CA");
        Path[] cert = ca.issue("dns.test", List.of("dns.test"), List.of(InetAddress.getLoopbackAddress())).write(dir,
                "server");
        int port = FreePorts.udpAndTcp();
        Path file = dir.resolve("Corefile");
        try (FakeUpstream up = FakeUpstream.start().behaviour((q, out) -> out.later(UPSTREAM_MILLIS,
                FakeUpstream.answer(q.message()).toWire()))) {
            Files.writeString(file, corefile(port, up.port(), cert, 2));
            try (TestServer server = TestServer.fromFile(file)) {
                Load load = new Load(port, ca.trusting());
                long warm = System.nanoTime() + 20_000_000_000L; // a cold JVM's first TLS handshakes
                while (load.answered.get() < 50 && System.nanoTime() < warm) {
                    Thread.sleep(10);
                }
                List<Long> closedAfter = new ArrayList<>();
                for (int i = 1; i <= RELOADS; i++) {
                    Listener old = server.firstListener();
                    long connected = System.nanoTime() + 5_000_000_000L;
                    while (old.tcpConnections() == 0 && System.nanoTime() < connected) {
                        Thread.sleep(5);
                    }
                    assertTrue(old.tcpConnections() > 0, "reload " + i + ": the clients are connected; lost "
                            + load.lost.get() + ": " + load.problems.stream().limit(5).toList());
                    Files.writeString(file, corefile(port, up.port(), cert, i % 2 == 1 ? 3 : 2));
                    assertTrue(server.server().reload(), "reload " + i + " applied");
                    long start = System.nanoTime();
                    assertNotSame(old, server.firstListener(), "the https:// listener was replaced");
                    long deadline = start + 8_000_000_000L;
                    while (old.tcpConnections() > 0 && System.nanoTime() < deadline) {
                        Thread.sleep(5);
                    }
                    closedAfter.add((System.nanoTime() - start) / 1_000_000);
                    Thread.sleep(200); // the clients query the new listener a while
                }
                load.stop();
                System.out.printf("https:// HTTP/2, %d clients x %d streams, %d reloads: %d queries, %d lost;"
                        + " old connections closed after %s ms%n", CLIENTS, STREAMS, RELOADS, load.total(),
                        load.lost.get(), closedAfter);
                assertEquals(0, load.lost.get(), "lost queries: " + load.problems.stream().limit(5).toList());
                assertTrue(load.answered.get() >= 200, "queries flowed: " + load.total());
                // the 5 s the retirement waits at most is what an old server took while its clients
                // kept their connection: nothing told them to leave it
                assertTrue(closedAfter.stream().allMatch(ms -> ms < 3000), "old connections closed after "
                        + closedAfter + " ms");
            }
        }
    }

    /** HTTP/2 clients POSTing queries (RFC 8484 4.1), {@link #STREAMS} at a time on each one's connection. */
    private static final class Load extends ClientLoad {
        private final List<HttpClient> https = new ArrayList<>();

        Load(int port, SSLContext trust) {
            URI uri = URI.create("https://127.0.0.1:" + port + "/dns-query");
            for (int c = 0; c < CLIENTS; c++) {
                HttpClient http = HttpClient.newBuilder().sslContext(trust).version(HttpClient.Version.HTTP_2)
                        .connectTimeout(Duration.ofSeconds(3)).build();
                https.add(http);
                for (int s = 0; s < STREAMS; s++) {
                    String id = c + "-" + s;
                    clients.add(Thread.ofPlatform().name("doh2-client-" + id).start(() -> {
                        for (int i = 0; running.get(); i++) {
                            byte[] query = DnsClient.query("c" + id + "-" + i + ".example.org", Type.A).toWire();
                            HttpRequest post = HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(3))
                                    .header("content-type", "application/dns-message")
                                    .POST(HttpRequest.BodyPublishers.ofByteArray(query)).build();
                            try {
                                // a stream the server reports unprocessed (past a GOAWAY's last stream id,
                                // or refused) the client sends again by itself (RFC 9113 8.7): not lost
                                HttpResponse<byte[]> reply = http.send(post, HttpResponse.BodyHandlers.ofByteArray());
                                if (reply.version() != HttpClient.Version.HTTP_2 || reply.statusCode() != 200) {
                                    throw new IOException(reply.version() + " status " + reply.statusCode());
                                }
                                int rcode = new Message(reply.body()).getRcode();
                                if (rcode != Rcode.NOERROR) {
                                    throw new IOException(Rcode.string(rcode));
                                }
                                answered.incrementAndGet();
                            } catch (IOException e) { // reset, closed, timed out or answered wrong: no DNS answer
                                lost.incrementAndGet();
                                problems.add(e.toString());
                            } catch (InterruptedException e) {
                                return;
                            }
                        }
                    }));
                }
            }
        }

        @Override
        void stop() throws InterruptedException {
            super.stop();
            https.forEach(HttpClient::close);
        }
    }
}
