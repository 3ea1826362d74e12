package io.nodedns.sys;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The filter a retired listening socket gets ({@link StreamSockets#dropNewConnections}): new
 * connections' SYNs are dropped, while a handshake already under way still completes into the
 * accept queue. TCP_DEFER_ACCEPT holds a client's connection in SYN_RECV on the server until its
 * first data, which then completes the handshake: the state a connection is in when its last
 * ACK is in flight as the filter goes on. A filter dropping every packet lost it.
 */
class DropNewConnectionsTest {
    private static final int IPPROTO_TCP = 6;
    private static final int TCP_DEFER_ACCEPT = 9;

    @Test
    @Timeout(30)
    void newSynsAreDroppedAndAHandshakeUnderWayCompletes() throws Exception {
        assumeTrue(StreamSockets.unavailableReason() == null, StreamSockets.unavailableReason());
        try (ServerSocketChannel server = ServerSocketChannel.open()) {
            server.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 16);
            int fd = LinuxSockets.fd(server);
            assertTrue(LinuxSockets.setIntOption(fd, IPPROTO_TCP, TCP_DEFER_ACCEPT, 10));
            try (Socket underWay = new Socket()) {
                underWay.connect(server.getLocalAddress(), 2000); // the client's side is established
                assertEquals(0, StreamSockets.acceptQueue(fd), "held in SYN_RECV until its first data");
                assertNull(StreamSockets.dropNewConnections(fd));
                try (Socket fresh = new Socket()) {
                    assertThrows(SocketTimeoutException.class, () -> fresh.connect(server.getLocalAddress(), 700),
                            "a new connection's SYN is dropped");
                }
                underWay.getOutputStream().write("query".getBytes(StandardCharsets.US_ASCII));
                long deadline = System.nanoTime() + 10_000_000_000L;
                while (StreamSockets.acceptQueue(fd) < 1 && System.nanoTime() < deadline) {
                    Thread.sleep(10);
                }
                assertEquals(1, StreamSockets.acceptQueue(fd), "the handshake under way completed");
                try (SocketChannel accepted = server.accept()) {
                    ByteBuffer in = ByteBuffer.allocate(16);
                    accepted.read(in);
                    assertEquals("query", new String(in.array(), 0, in.position(), StandardCharsets.US_ASCII));
                }
            }
        }
    }
}
