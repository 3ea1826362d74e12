package io.nodedns.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.nodedns.testing.DnsClient;
import io.nodedns.testing.FakeUpstream;
import io.nodedns.testing.FreePorts;
import io.nodedns.testing.TestCa;
import io.nodedns.testing.TestServer;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.net.InetAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;
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

    private final TestCa ca;

    DohHttp2ReloadTest() throws GeneralSecurityException {
        ca = new TestCa("nodedns http2 reload CA");
    }

    /** The server's certificate and key, for dns.test and the loopback address. */
    private Path[] serverCert() throws Exception {
        return ca.issue("dns.test", List.of("dns.test"), List.of(InetAddress.getLoopbackAddress())).write(dir,
                "server");
    }

    private String corefile(int port, int upstreamPort, Path[] cert, int readSeconds) {
        return """
                https://example.org:%d {
                    bind 127.0.0.1
                    tls %s %s
                    timeouts {
                        read %ds
                    }
                    forward . 127.0.0.1:%d {
                        read_timeout 5s
                    }
                }
                """.formatted(port, cert[0], cert[1], readSeconds, upstreamPort);
    }

    @Test
    void replacingReloadsLoseNoHttp2QueryAndCloseTheOldConnections() throws Exception {
        Path[] cert = serverCert();
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
                assertTrue(closedAfter.stream().allMatch(ms -> ms < 4500), "old connections closed after "
                        + closedAfter + " ms");
            }
        }
    }

    /**
     * A connection whose HTTP/2 preface the old server reads only after the reload, as those
     * handed over from its accept queue at the close: the server's first frame is its SETTINGS
     * (RFC 9113 3.4; Go's client drops a connection whose first frame is a GOAWAY), its first
     * stream is answered, not refused past a GOAWAY's last stream id, and a GOAWAY follows the reply.
     * Before, the retiring server sent every session opened from then on GOAWAY(2^31-1),
     * GOAWAY(0) and then its SETTINGS, and left stream 1 unanswered. A connection that has carried
     * a request and is silent is sent a GOAWAY at the reload, not closed under its next request.
     */
    @Test
    void aConnectionAfterTheReloadGetsSettingsFirstAndItsStreamAnswered() throws Exception {
        Path[] cert = serverCert();
        int port = FreePorts.udpAndTcp();
        Path file = dir.resolve("Corefile");
        // a query held in flight across the reload keeps the old server from stopping, whatever the reload takes
        try (FakeUpstream up = FakeUpstream.start().behaviour((q, out) -> out.later(
                q.name().startsWith("held.") ? HELD_MILLIS : 0, FakeUpstream.answer(q.message()).toWire()));
                HttpClient holder = HttpClient.newBuilder().sslContext(ca.trusting())
                        .version(HttpClient.Version.HTTP_2).build()) {
            Files.writeString(file, corefile(port, up.port(), cert, 3));
            try (TestServer server = TestServer.fromFile(file);
                    RawHttp2 used = new RawHttp2(ca.trusting(), port);
                    RawHttp2 fresh = new RawHttp2(ca.trusting(), port)) { // Jetty's session opens; it awaits the preface
                Listener old = server.firstListener();
                used.preface();
                used.get(1, "used.example.org", port);
                used.readUntil(() -> used.ended.contains(1));
                CompletableFuture<HttpResponse<byte[]>> held = holder.sendAsync(HttpRequest
                        .newBuilder(URI.create("https://127.0.0.1:" + port + "/dns-query"))
                        .header("content-type", "application/dns-message")
                        .POST(HttpRequest.BodyPublishers
                                .ofByteArray(DnsClient.query("held.example.org", Type.A).toWire()))
                        .build(), HttpResponse.BodyHandlers.ofByteArray());
                assertEquals(1, up.await(q -> q.name().startsWith("held."), 1, 5000), "the held query in flight");
                Files.writeString(file, corefile(port, up.port(), cert, 2));
                assertTrue(server.server().reload(), "reload applied");
                assertNotSame(old, server.firstListener(), "the https:// listener was replaced");
                fresh.preface();
                fresh.get(1, "fresh.example.org", port);
                fresh.readUntil(() -> fresh.types.contains(GOAWAY));
                System.out.println("frames of a connection prefaced after the reload: " + fresh.types);
                assertEquals(SETTINGS, fresh.types.getFirst(),
                        "the server's first frame (4 SETTINGS, 7 GOAWAY): " + fresh.types);
                assertTrue(fresh.ended.contains(1), "stream 1 answered before the GOAWAY: " + fresh.types);
                assertEquals(Rcode.NOERROR, new Message(fresh.data.toByteArray()).getRcode());
                int before = used.types.size();
                used.readUntil(() -> used.types.contains(GOAWAY)); // a timeout or the close fails here
                // not the GOAWAY of the old server's stop, after the held reply
                assertFalse(held.isDone(), "a used connection is sent GOAWAY at the reload");
                System.out.println("frames of a used connection after the reload: "
                        + used.types.subList(before, used.types.size()));
                assertEquals(200, held.get(5, TimeUnit.SECONDS).statusCode(), "the held query answered");
            }
        }
    }

    /** How long the upstream holds a query named held.*: longer than the reload, within forward's timeout. */
    private static final long HELD_MILLIS = 4500;
    private static final int DATA = 0x0;
    private static final int HEADERS = 0x1;
    private static final int SETTINGS = 0x4;
    private static final int GOAWAY = 0x7;
    private static final int END_STREAM = 0x1;
    private static final int ACK = 0x1;
    private static final int END_HEADERS = 0x4;

    /**
     * A minimal HTTP/2 client (RFC 9113) over TLS with ALPN h2, connected and handshaken when made:
     * GET requests (RFC 8484 4.1), and the frames it was sent, in order.
     */
    private static final class RawHttp2 implements AutoCloseable {
        private final SSLSocket socket;
        private final DataOutputStream out;
        private final DataInputStream in;
        /** The types of the frames read. */
        final List<Integer> types = new ArrayList<>();
        /** DATA of stream 1, the one stream each of these opens, and the streams ended. */
        final ByteArrayOutputStream data = new ByteArrayOutputStream();
        final List<Integer> ended = new ArrayList<>();

        RawHttp2(SSLContext trust, int port) throws IOException {
            socket = (SSLSocket) trust.getSocketFactory().createSocket("127.0.0.1", port);
            socket.setSoTimeout(4000);
            SSLParameters alpn = socket.getSSLParameters();
            alpn.setApplicationProtocols(new String[]{"h2"});
            socket.setSSLParameters(alpn);
            socket.startHandshake();
            assertEquals("h2", socket.getApplicationProtocol());
            out = new DataOutputStream(socket.getOutputStream());
            in = new DataInputStream(socket.getInputStream());
        }

        void preface() throws IOException {
            out.write("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
            frame(SETTINGS, 0, 0, new byte[0]);
        }

        void get(int stream, String name, int port) throws IOException {
            String dns = Base64.getUrlEncoder().withoutPadding()
                    .encodeToString(DnsClient.query(name, Type.A).toWire());
            ByteArrayOutputStream headers = new ByteArrayOutputStream();
            headers.write(0x82); // :method GET, :scheme https (RFC 7541 static table 2, 7)
            headers.write(0x87);
            literal(headers, 4, "/dns-query?dns=" + dns); // :path
            literal(headers, 1, "127.0.0.1:" + port); // :authority
            frame(HEADERS, END_STREAM | END_HEADERS, stream, headers.toByteArray());
        }

        /** Reads frames until {@code done}, acknowledging SETTINGS. */
        void readUntil(java.util.function.BooleanSupplier done) throws IOException {
            while (!done.getAsBoolean()) {
                int length = in.readUnsignedShort() << 8 | in.readUnsignedByte();
                int type = in.readUnsignedByte();
                int flags = in.readUnsignedByte();
                int stream = in.readInt() & 0x7fffffff;
                byte[] payload = in.readNBytes(length);
                types.add(type);
                if (type == SETTINGS && (flags & ACK) == 0) {
                    frame(SETTINGS, ACK, 0, new byte[0]);
                } else if (type == DATA && stream == 1) {
                    data.write(payload);
                }
                if ((type == DATA || type == HEADERS) && (flags & END_STREAM) != 0) {
                    ended.add(stream);
                }
            }
        }

        /** An HTTP/2 frame (RFC 9113 4.1). */
        private void frame(int type, int flags, int stream, byte[] payload) throws IOException {
            out.writeByte(payload.length >>> 16);
            out.writeShort(payload.length);
            out.writeByte(type);
            out.writeByte(flags);
            out.writeInt(stream);
            out.write(payload);
            out.flush();
        }

        /** A header field not indexed, its name the static table's {@code name}, its value plain (RFC 7541 6.2.2). */
        private static void literal(ByteArrayOutputStream out, int name, String value) {
            byte[] v = value.getBytes(StandardCharsets.US_ASCII);
            assertTrue(name < 15 && v.length < 127, "one-byte HPACK prefixes");
            out.write(name);
            out.write(v.length);
            out.write(v, 0, v.length);
        }

        @Override
        public void close() throws IOException {
            socket.close();
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
