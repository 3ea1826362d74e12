package io.nodedns.server;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A client on the node (any pod reaches node-local-dns's health port) that keeps the listener's
 * connection limit of connections open, reopening each as the server closes it. With the JDK
 * server every new connection past the limit was closed at accept, so the kubelet's liveness
 * probe failed and the pod was restarted while DNS was fine. Now a new connection takes the place
 * of the one that has waited longest without a complete request, as for DNS over TCP.
 */
class HttpEvictionTest {
    private static final int LIMIT = 128;
    private static final int PROBES = 50;

    @Test
    @Timeout(120)
    void probesAreAnsweredWhileAClientHoldsEveryConnection() throws Exception {
        HttpEndpoints endpoints = HttpEndpointsTest.serve(HttpEndpointsTest::ok);
        int port = endpoints.port("127.0.0.1:0");
        AtomicLong reopened = new AtomicLong();
        try (Selector hog = Selector.open()) {
            for (int i = 0; i < LIMIT; i++) {
                open(hog, port);
            }
            Thread holder = Thread.ofPlatform().daemon().start(() -> hold(hog, port, reopened));
            Thread.sleep(500);
            int answered = 0;
            long slowest = 0;
            List<String> failures = new ArrayList<>();
            for (int i = 0; i < PROBES; i++) {
                long start = System.nanoTime();
                String failure = probe(port, 1000);
                long took = System.nanoTime() - start;
                slowest = Math.max(slowest, took);
                if (failure == null && took < 1_000_000_000L) {
                    answered++;
                } else {
                    failures.add(failure == null ? "took " + took / 1_000_000 + " ms" : failure);
                }
                Thread.sleep(20);
            }
            holder.interrupt();
            hog.wakeup();
            holder.join(5000);
            System.out.printf("%d of %d probes answered 200 within 1 s (slowest %d ms) while %d connections were"
                    + " held, %d reopened%n", answered, PROBES, slowest / 1_000_000, LIMIT, reopened.get());
            assertEquals(PROBES, answered, "probes answered 200 within 1 s; failures: " + failures);
            for (SelectionKey key : hog.keys()) {
                key.channel().close();
            }
        } finally {
            endpoints.close();
        }
    }

    /**
     * At the cap, a connection the listener has read nothing from (here a client that has not sent
     * yet; under a flood, a probe whose request its thread has not read) stays, and one it has
     * answered and that now only waits goes, although it has waited less: closing the first would
     * reset a request never looked at. Before, the one that had waited longest went: a probe
     * accepted while clients pipelined without reading (their waits restart with each reply) was
     * reset, 1 of 30 in HttpPipelineFloodTest.
     */
    @Test
    @Timeout(60)
    void aConnectionNotYetReadFromIsEvictedAfterOneAnswered() throws Exception {
        HttpEndpoints endpoints = new HttpEndpoints(name -> name.equals("nodedns.http.maxConnections") ? "2" : null);
        List<HttpRoute> routes = List.of(new HttpRoute("127.0.0.1:0", "/health", HttpEndpointsTest::ok));
        endpoints.prepare(routes);
        endpoints.apply(routes);
        int port = endpoints.port("127.0.0.1:0");
        String request = "GET /health HTTP/1.1\r\nHost: x\r\n\r\n";
        try (Socket notYetRead = new Socket(); Socket answered = new Socket()) {
            notYetRead.connect(new InetSocketAddress("127.0.0.1", port), 5000);
            notYetRead.setSoTimeout(5000);
            answered.connect(new InetSocketAddress("127.0.0.1", port), 5000); // accepted after notYetRead
            answered.setSoTimeout(5000);
            answered.getOutputStream().write(request.getBytes(StandardCharsets.US_ASCII));
            assertEquals("200 OK", readReply(answered.getInputStream()));
            Thread.sleep(200); // its thread returns it to waiting just after the reply's write
            assertEquals(null, probe(port, 5000), "the probe taking a place at the cap");
            notYetRead.getOutputStream().write(request.getBytes(StandardCharsets.US_ASCII));
            assertEquals("200 OK", readReply(notYetRead.getInputStream()), "the connection not read from stayed");
            assertEquals(-1, answered.getInputStream().read(), "the connection answered before was evicted");
        } finally {
            endpoints.close();
        }
    }

    /** The status of one reply with a 2-byte body ("OK"), read up to its end; the connection stays open. */
    private static String readReply(InputStream in) throws IOException {
        StringBuilder reply = new StringBuilder();
        int b;
        while (!reply.toString().endsWith("\r\n\r\nOK") && (b = in.read()) >= 0) {
            reply.append((char) b);
        }
        return reply.length() < 12 ? reply.toString() : reply.substring(9, reply.indexOf("\r\n"));
    }

    /**
     * A kubelet liveness probe: a new connection, GET /health, Connection: close, within {@code timeoutMs};
     * null if 200 "OK" came back, else what went wrong.
     */
    static String probe(int port, int timeoutMs) {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress("127.0.0.1", port), timeoutMs);
            s.setSoTimeout(timeoutMs);
            OutputStream out = s.getOutputStream();
            out.write(("GET /health HTTP/1.1\r\nHost: 127.0.0.1:" + port
                    + "\r\nUser-Agent: kube-probe/1.33\r\nAccept: */*\r\nConnection: close\r\n\r\n")
                    .getBytes(StandardCharsets.US_ASCII));
            out.flush();
            InputStream in = s.getInputStream();
            String reply = new String(in.readAllBytes(), StandardCharsets.ISO_8859_1);
            if (!reply.startsWith("HTTP/1.1 200 ") || !reply.endsWith("\r\n\r\nOK")) {
                return reply.isEmpty() ? "closed unanswered" : "reply '" + reply + "'";
            }
            return null;
        } catch (IOException e) {
            return e.toString();
        }
    }

    private static void open(Selector hog, int port) throws IOException {
        SocketChannel c = SocketChannel.open(new InetSocketAddress("127.0.0.1", port));
        c.setOption(StandardSocketOptions.SO_LINGER, 0);
        c.configureBlocking(false);
        c.register(hog, SelectionKey.OP_READ);
    }

    /** Keeps {@link #LIMIT} connections open: each one the server closes is opened again at once. */
    private static void hold(Selector hog, int port, AtomicLong reopened) {
        ByteBuffer sink = ByteBuffer.allocate(512);
        try {
            while (!Thread.currentThread().isInterrupted()) {
                hog.select(100);
                for (SelectionKey key : hog.selectedKeys()) {
                    SocketChannel c = (SocketChannel) key.channel();
                    int n;
                    try {
                        sink.clear();
                        n = c.read(sink);
                    } catch (IOException reset) {
                        n = -1;
                    }
                    if (n < 0) {
                        key.cancel();
                        c.close();
                        open(hog, port);
                        reopened.incrementAndGet();
                    }
                }
                hog.selectedKeys().clear();
            }
        } catch (IOException | java.nio.channels.ClosedSelectorException e) {
            // the test ended
        }
    }
}
