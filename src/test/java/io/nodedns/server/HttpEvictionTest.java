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
import java.nio.channels.ServerSocketChannel;
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
     * A connection whose first request waits unread in the kernel (its thread has not run yet)
     * refuses eviction like a busy one: closing a socket with unread bytes resets it, and a probe
     * accepted behind clients that pipeline and never read (their waits restart with each reply)
     * had waited longest and was reset, 1 of 30 in HttpPipelineFloodTest. A silent connection, and
     * one whose thread has read from it (what waits then is pipelining), go as before.
     */
    @Test
    @Timeout(30)
    void aConnectionWhoseFirstRequestWaitsUnreadRefusesEviction() throws Exception {
        String request = "GET /health HTTP/1.1\r\nHost: x\r\n\r\n";
        HttpListener listener = new HttpListener(new InetSocketAddress("127.0.0.1", 0), "127.0.0.1:0",
                HttpListener.Limits.DEFAULT);
        listener.routes = java.util.Map.of("/health", HttpEndpointsTest::ok);
        try (ServerSocketChannel server = ServerSocketChannel.open().bind(new InetSocketAddress("127.0.0.1", 0));
                SocketChannel silentClient = SocketChannel.open(server.getLocalAddress());
                SocketChannel silent = server.accept();
                SocketChannel probeClient = SocketChannel.open(server.getLocalAddress());
                SocketChannel probe = server.accept()) {
            HttpConnection silentConnection = new HttpConnection(listener, silent, System.nanoTime());
            HttpConnection probeConnection = new HttpConnection(listener, probe, System.nanoTime());
            probeClient.write(ByteBuffer.wrap(request.getBytes(StandardCharsets.US_ASCII)));
            while (probe.socket().getInputStream().available() == 0) {
                Thread.sleep(1);
            }
            assertEquals(false, probeConnection.evict(), "a first request unread in the kernel is not reset");
            assertEquals(true, silentConnection.evict(), "a connection that sent nothing goes");
            Thread.ofVirtual().start(probeConnection::run);
            assertEquals("200 OK", readReply(probeClient.socket().getInputStream()), "the probe kept is answered");
            probeClient.write(ByteBuffer.wrap(request.getBytes(StandardCharsets.US_ASCII)));
            long deadline = System.nanoTime() + 10_000_000_000L;
            boolean evicted = false;
            while (!evicted && System.nanoTime() < deadline) { // once its thread waits again for headers
                evicted = probeConnection.evict();
                Thread.sleep(1);
            }
            assertEquals(true, evicted, "once read from, what waits is pipelining, and it goes");
        } finally {
            listener.close();
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
