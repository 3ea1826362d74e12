package io.nodedns.acceptance;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.nodedns.testing.DnsClient;
import io.nodedns.testing.FreePorts;
import io.nodedns.testing.ImageJvm;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.xbill.DNS.Message;
import org.xbill.DNS.Rcode;
import org.xbill.DNS.Type;

/**
 * The health and metrics listeners against a client that anything on the node can be (a pod
 * reaches node-local-dns's :8080 and :9253), in a child JVM with the image's flags (-Xmx128m,
 * ExitOnOutOfMemoryError). With the JDK server's defaults, 300 connections each sending 354 KiB
 * of headers to {@code /health} (under its 384 KiB limit) and never the blank line exhausted the
 * heap within seconds and the process exited: node DNS gone. Now (our own HttpListener) headers
 * past 8 KiB close the connection, a listener holds at most 128 connections, and a request
 * stalled for 10 s is closed.
 */
class HttpListenerFloodTest {
    private static final int BIG_HEADER_CONNECTIONS = 300;
    private static final int STALLED_CONNECTIONS = 200;
    /** HttpListener.Limits.DEFAULT.maxConnections() (nodedns.http.maxConnections). */
    private static final int MAX_CONNECTIONS = 128;

    @TempDir
    Path dir;

    @Test
    @Timeout(180)
    void bigHeadersAndStalledRequestsDoNotExhaustTheHeap() throws Exception {
        int port = FreePorts.udpAndTcp();
        int health = FreePorts.udpAndTcp();
        int metrics = FreePorts.udpAndTcp();
        Path corefile = dir.resolve("Corefile");
        Files.writeString(corefile, """
                example.org:%1$d {
                    health 127.0.0.1:%2$d
                    prometheus 127.0.0.1:%3$d
                    whoami
                }
                """.formatted(port, health, metrics));
        try (ImageJvm p = ImageJvm.start(corefile, dir.resolve("out.log"));
                DnsClient client = new DnsClient(port);
                HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build()) {
            Message q = DnsClient.query("a.example.org", Type.A);
            p.awaitReply(client, q, Duration.ofSeconds(60));
            HttpRequest probe = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + health + "/health"))
                    .timeout(Duration.ofSeconds(2)).build();
            assertEquals(200, status(http, probe), "health before");
            long rssBefore = p.rssKiB();

            StringBuilder headers = new StringBuilder("GET /health HTTP/1.1\r\nHost: x\r\n");
            for (int i = 0; i < 190; i++) { // under the JDK's default limits: 200 lines, 384 KiB
                headers.append("X-").append(i).append(": ").append("a".repeat(1900)).append("\r\n");
            }
            List<SocketChannel> big = send(health, BIG_HEADER_CONNECTIONS, headers.toString());
            Thread.sleep(3000); // before the limits: OutOfMemoryError and exit within this
            String after = "after " + BIG_HEADER_CONNECTIONS + " connections sending " + headers.length() / 1024
                    + " KiB of headers each: ";
            assertTrue(p.isAlive(), after + "process alive: " + tail(p));
            long rssBig = p.rssKiB();
            assertEquals(200, status(http, probe), after + "health within 2 s (alive: " + p.isAlive() + ")");
            assertEquals(Rcode.NOERROR, client.udp(q).getRcode(), after + "DNS");
            int closedBig = closedByServer(big);
            System.out.printf("%sRSS %d -> %d KiB, %d of %d closed by the server%n", after, rssBefore, rssBig,
                    closedBig, big.size());
            assertEquals(big.size(), closedBig, after + "every one closed by the server");
            close(big);

            long sockets = sockets(p.pid());
            List<SocketChannel> stalled = send(health, STALLED_CONNECTIONS, "GET /health HTTP/1.1\r\nHost: x\r\n");
            Thread.sleep(500);
            long held = sockets(p.pid()) - sockets;
            System.out.printf("%d stalled requests: %d sockets held by the server, RSS %d KiB%n", stalled.size(),
                    held, p.rssKiB());
            assertTrue(held <= MAX_CONNECTIONS, "at most " + MAX_CONNECTIONS + " connections held: " + held);
            long deadline = System.nanoTime() + 20_000_000_000L;
            int closed = 0;
            while (closed < stalled.size() && System.nanoTime() < deadline) {
                Thread.sleep(500);
                closed = closedByServer(stalled);
            }
            System.out.printf("stalled requests closed by the server: %d of %d%n", closed, stalled.size());
            assertEquals(stalled.size(), closed, "stalled requests closed within 10 s (+ the timer's 1 s)");
            close(stalled);
            assertEquals(200, status(http, probe), "health after");
            assertTrue(p.isAlive(), "process alive");
        }
    }

    /**
     * Opens {@code n} connections to {@code port} and writes {@code request} on each, until it is
     * written, the server closes the connection or 2 s pass (a server that stops reading must not
     * block the test).
     */
    private static List<SocketChannel> send(int port, int n, String request) throws Exception {
        byte[] bytes = request.getBytes(StandardCharsets.US_ASCII);
        List<SocketChannel> open = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            SocketChannel c = SocketChannel.open(new InetSocketAddress("127.0.0.1", port));
            c.configureBlocking(false);
            open.add(c);
            ByteBuffer left = ByteBuffer.wrap(bytes);
            long deadline = System.nanoTime() + 2_000_000_000L;
            try {
                while (left.hasRemaining() && System.nanoTime() < deadline) {
                    if (c.write(left) == 0) {
                        Thread.sleep(1);
                    }
                }
            } catch (IOException closed) {
                // reset by a server that closed it: what the limits are for
            }
        }
        return open;
    }

    /** How many of these connections the server has closed (end of stream, or reset). */
    private static int closedByServer(List<SocketChannel> connections) {
        int closed = 0;
        ByteBuffer sink = ByteBuffer.allocate(4096);
        for (SocketChannel c : connections) {
            try {
                int n;
                do {
                    sink.clear();
                    n = c.read(sink);
                } while (n > 0); // a 4xx reply before the close
                closed += n < 0 ? 1 : 0;
            } catch (IOException reset) {
                closed++;
            }
        }
        return closed;
    }

    private static void close(List<SocketChannel> connections) throws IOException {
        for (SocketChannel c : connections) {
            c.close();
        }
    }

    /** The child's open sockets (/proc/PID/fd). */
    private static long sockets(long pid) throws IOException {
        try (var fds = Files.list(Path.of("/proc/" + pid + "/fd"))) {
            return fds.filter(fd -> {
                try {
                    return Files.readSymbolicLink(fd).toString().startsWith("socket:");
                } catch (IOException gone) {
                    return false;
                }
            }).count();
        }
    }

    /** The reply's status, or -1 if none came within the request's timeout (a kubelet probe's failure). */
    private static int status(HttpClient http, HttpRequest request) throws Exception {
        try {
            return http.send(request, HttpResponse.BodyHandlers.discarding()).statusCode();
        } catch (IOException none) {
            System.out.println(request.uri() + ": " + none);
            return -1;
        }
    }

    private static String tail(ImageJvm p) {
        String log = p.log();
        return log.substring(Math.max(0, log.length() - 2000));
    }
}
