package io.nodedns.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.nodedns.testing.DnsClient;
import io.nodedns.testing.FreePorts;
import io.nodedns.testing.TestServer;
import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.xbill.DNS.Message;
import org.xbill.DNS.Rcode;
import org.xbill.DNS.Type;

/**
 * Reloads that replace an https:// listener (its {@code timeouts} changed: Jetty takes them when
 * built) lose no DoH request: the old socket takes what its accept queue holds before it closes,
 * and the old server answers the requests it is serving before it stops (docs/operations.md, Reloads).
 */
class DohReplaceReloadTest {
    private static final int PERSISTENT = 6;
    private static final int FRESH = 6;
    private static final int RELOADS = 10;

    @TempDir
    Path dir;

    private static String corefile(int port, int readSeconds, String marker) {
        return """
                https://example.org:%d {
                    bind 127.0.0.1
                    timeouts {
                        read %ds
                    }
                    marker %s
                }
                """.formatted(port, readSeconds, marker);
    }

    @Test
    void replacingReloadsLoseNoDohRequest() throws Exception {
        int port = FreePorts.udpAndTcp();
        Path file = dir.resolve("Corefile");
        Files.writeString(file, corefile(port, 2, "v0"));
        try (TestServer server = TestServer.fromFile(file)) {
            Load load = new Load(port);
            Thread.sleep(200);
            for (int i = 1; i <= RELOADS; i++) {
                Listener old = server.firstListener();
                Files.writeString(file, corefile(port, i % 2 == 1 ? 3 : 2, "v" + i));
                assertTrue(server.server().reload(), "reload " + i + " applied");
                assertNotSame(old, server.firstListener(), "the https:// listener was replaced");
                Thread.sleep(200);
            }
            load.stop();
            System.out.printf("https:// timeouts read 2s/3s x%d: %d requests, %d lost%n", RELOADS, load.total(),
                    load.lost.get());
            assertEquals(0, load.lost.get(), "lost requests: " + load.problems.stream().limit(5).toList());
            assertTrue(load.answered.get() >= 500, "requests flowed: " + load.total());
            // the clients closed their connections: the replaced servers are gone, threads and sockets
            long deadline = System.nanoTime() + 10_000_000_000L;
            while (System.nanoTime() < deadline && jettyAcceptors(port) > 1) {
                Thread.sleep(20);
            }
            assertEquals(1, jettyAcceptors(port), "Jetty acceptors on the port (one a server): the serving one's");
            assertEquals(1, TcpAddressChangeReloadTest.sockets(port, "0A"), "listening sockets on the port");
            assertEquals(0, TcpAddressChangeReloadTest.sockets(port, "01") + TcpAddressChangeReloadTest.sockets(port,
                    "08"), "server-side connections left open");
        }
    }

    /**
     * A shutdown does not wait for a client answered just before, as a reload does (for its next
     * request, whose reply closes the connection): no server would take that request anyway.
     * Before, the stop waited until the connection had been silent for a second.
     */
    @Test
    void aShutdownWaitsNotForAClientAnsweredJustBefore() throws Exception {
        int port = FreePorts.udpAndTcp();
        Path file = dir.resolve("Corefile");
        Files.writeString(file, corefile(port, 2, "v0"));
        try (TestServer server = TestServer.fromFile(file);
                Socket client = new Socket(InetAddress.getLoopbackAddress(), port)) {
            client.setSoTimeout(5000);
            InputStream in = new BufferedInputStream(client.getInputStream());
            byte[] reply = Load.post(client.getOutputStream(), in,
                    DnsClient.query("a.example.org", Type.A).toWire(), new boolean[1]);
            assertEquals(Rcode.NOERROR, new Message(reply).getRcode(), "answered");
            long start = System.nanoTime();
            server.server().stop();
            long millis = (System.nanoTime() - start) / 1_000_000;
            System.out.printf("https:// stop after a reply: %d ms%n", millis);
            assertTrue(millis < 600, "stopped in " + millis + " ms");
        }
    }

    /** Live acceptor threads of the https:// servers labelled with this port: one each while it runs. */
    private static long jettyAcceptors(int port) {
        return Thread.getAllStackTraces().keySet().stream()
                .filter(t -> t.getName().startsWith("nodedns-https-") && t.getName().contains(":" + port + "-")
                        && t.getName().contains("-acceptor-"))
                .count();
    }

    /** Cleartext HTTP/1.1 clients POSTing one query at a time, on one connection each or a new one per query. */
    private static final class Load extends ClientLoad {
        Load(int port) {
            InetSocketAddress server = new InetSocketAddress(InetAddress.getLoopbackAddress(), port);
            for (int c = 0; c < PERSISTENT + FRESH; c++) {
                int id = c;
                boolean persistent = c < PERSISTENT;
                clients.add(Thread.ofPlatform().name("doh-client-" + c).start(() -> {
                    Socket socket = null;
                    InputStream in = null;
                    boolean[] closing = {!persistent};
                    for (int i = 0; running.get(); i++) {
                        byte[] query = DnsClient.query("c" + id + "-" + i + ".example.org", Type.A).toWire();
                        try {
                            if (socket == null) {
                                socket = new Socket();
                                socket.setTcpNoDelay(true);
                                socket.connect(server, 3000);
                                socket.setSoTimeout(3000);
                                in = new BufferedInputStream(socket.getInputStream());
                            }
                            closing[0] = !persistent;
                            Message reply = new Message(post(socket.getOutputStream(), in, query, closing));
                            if (reply.getRcode() != Rcode.NOERROR) {
                                throw new IOException(Rcode.string(reply.getRcode()));
                            }
                            answered.incrementAndGet();
                        } catch (IOException e) { // refused, reset, closed or timed out: the request is lost
                            lost.incrementAndGet();
                            problems.add((persistent ? "persistent: " : "fresh: ") + e);
                            SocketAcceptor.closeQuietly(socket);
                            socket = null;
                        }
                        if (closing[0] && socket != null) { // asked for, or said by the server (RFC 9112 9.6)
                            SocketAcceptor.closeQuietly(socket);
                            socket = null;
                        }
                    }
                    if (socket != null) {
                        SocketAcceptor.closeQuietly(socket);
                    }
                }));
            }
        }

        /**
         * One RFC 8484 POST; the reply's body (a 200's), else an IOException. {@code closing[0]}:
         * asks to close the connection after, and is set when the reply says it closes.
         */
        private static byte[] post(OutputStream out, InputStream in, byte[] query, boolean[] closing)
                throws IOException {
            out.write(("POST /dns-query HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/dns-message\r\n"
                    + "Accept: application/dns-message\r\nContent-Length: " + query.length + "\r\n"
                    + (closing[0] ? "Connection: close\r\n" : "") + "\r\n").getBytes(StandardCharsets.US_ASCII));
            out.write(query);
            out.flush();
            String status = line(in);
            int length = -1;
            for (String header = line(in); !header.isEmpty(); header = line(in)) {
                if (header.regionMatches(true, 0, "content-length:", 0, 15)) {
                    length = Integer.parseInt(header.substring(15).trim());
                } else if (header.equalsIgnoreCase("connection: close")) {
                    closing[0] = true;
                }
            }
            if (!status.startsWith("HTTP/1.1 200") || length < 0) {
                throw new IOException("reply " + status);
            }
            byte[] body = in.readNBytes(length);
            if (body.length < length) {
                throw new IOException("reply cut at " + body.length + " of " + length + " bytes");
            }
            return body;
        }

        private static String line(InputStream in) throws IOException {
            StringBuilder sb = new StringBuilder();
            for (int b = in.read(); b != '\n'; b = in.read()) {
                if (b < 0) {
                    throw new IOException("connection closed");
                }
                if (b != '\r') {
                    sb.append((char) b);
                }
            }
            return sb.toString();
        }
    }
}
