package io.nodedns.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.net.InetSocketAddress;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The listen backlog of the stream listeners is Go's (CoreDNS's): net.core.somaxconn. With the
 * health listener's former 64, a client reconnecting in a loop overflowed the accept queue and a
 * kubelet probe's handshake was dropped, accepted only a SYN-ACK retransmission (1 s, 3 s...) later.
 */
class ListenBacklogTest {
    /** Connections queued at once: more than the former backlog of 64, fewer than somaxconn's 4096 default. */
    private static final int QUEUED = 200;

    @TempDir
    Path dir;

    @Test
    void readsSomaxconnAsGoDoesAndFallsBackToGos128() throws Exception {
        Path file = dir.resolve("somaxconn");
        Files.writeString(file, "4096\n");
        assertEquals(4096, SocketAcceptor.listenBacklog(file));
        Files.writeString(file, "65536\n"); // past 16 bits: Linux 4.1+ takes it whole, as Go does
        assertEquals(65536, SocketAcceptor.listenBacklog(file));
        Files.writeString(file, "0\n");
        assertEquals(128, SocketAcceptor.listenBacklog(file));
        Files.writeString(file, "many\n");
        assertEquals(128, SocketAcceptor.listenBacklog(file));
        assertEquals(128, SocketAcceptor.listenBacklog(dir.resolve("absent")));
        Path proc = Path.of("/proc/sys/net/core/somaxconn");
        assertEquals(Integer.parseInt(Files.readAllLines(proc).getFirst().trim()), SocketAcceptor.listenBacklog(proc),
                "the whole number from /proc, not its first digit");
    }

    /**
     * A listener bound but not yet accepting (as behind an acceptor that has fallen behind a
     * flood): every connection waits in the kernel's accept queue. Each of {@link #QUEUED} must
     * complete its handshake at once, and the probe behind them is answered once accepting starts.
     */
    @Test
    @Timeout(60)
    void connectionsPastTheFormerBacklogCompleteTheirHandshakeWhileNoneIsAccepted() throws Exception {
        assumeTrue(SocketAcceptor.LISTEN_BACKLOG > QUEUED, "net.core.somaxconn " + SocketAcceptor.LISTEN_BACKLOG);
        HttpListener listener = new HttpListener(new InetSocketAddress("127.0.0.1", 0), "127.0.0.1:0",
                HttpListener.Limits.DEFAULT);
        listener.routes = Map.of("/health", HttpEndpointsTest::ok);
        List<SocketChannel> queued = new ArrayList<>();
        try {
            int port = listener.localPort();
            for (int i = 0; i < QUEUED; i++) {
                SocketChannel c = SocketChannel.open();
                c.configureBlocking(false);
                c.connect(new InetSocketAddress("127.0.0.1", port));
                queued.add(c);
            }
            // a dropped handshake is retried after 1 s: well within this, every handshake not dropped is done
            long deadline = System.nanoTime() + 500_000_000L;
            int connected = 0;
            while (System.nanoTime() < deadline && connected < QUEUED) {
                connected = 0;
                for (SocketChannel c : queued) {
                    if (c.isConnected() || c.finishConnect()) {
                        connected++;
                    }
                }
                Thread.sleep(10);
            }
            assertEquals(QUEUED, connected, "handshakes completed while nothing was accepted");
            listener.start();
            assertNull(HttpEvictionTest.probe(port, 5000), "a probe behind them");
            assertTrue(listener.openConnections() <= HttpListener.Limits.DEFAULT.maxConnections());
        } finally {
            for (SocketChannel c : queued) {
                c.close();
            }
            listener.close();
        }
    }
}
