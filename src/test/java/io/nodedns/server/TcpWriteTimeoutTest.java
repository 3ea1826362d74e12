package io.nodedns.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.nodedns.testing.DnsClient;
import io.nodedns.testing.FreePorts;
import io.nodedns.testing.TestServer;
import java.io.BufferedOutputStream;
import java.io.DataOutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import org.junit.jupiter.api.Test;
import org.xbill.DNS.Type;

/** A client that sends but never reads cannot pin a connection: the write timeout closes it. */
class TcpWriteTimeoutTest {
    @Test
    void clientThatNeverReadsIsDisconnectedAfterTheWriteTimeout() throws Exception {
        int port = FreePorts.udpAndTcp();
        String corefile = ".:%d {\n timeouts {\n  write 1s\n  idle 30s\n  read 30s\n }\n marker a-long-enough-text-record-value-to-fill-buffers 60\n}\n";
        try (TestServer server = TestServer.fromText(corefile.formatted(port))) {
            TcpServer tcp = server.firstListener().tcpServer();
            try (Socket s = new Socket()) {
                s.setReceiveBufferSize(4096);
                s.connect(new InetSocketAddress("127.0.0.1", port), 2000);
                DataOutputStream out = new DataOutputStream(new BufferedOutputStream(s.getOutputStream()));
                byte[] wire = DnsClient.query("big.example", Type.TXT).toWire();
                Thread writer = Thread.ofVirtual().start(() -> {
                    try {
                        for (int i = 0; i < 20_000; i++) {
                            out.writeShort(wire.length);
                            out.write(wire);
                        }
                        out.flush();
                    } catch (Exception e) {
                        // the server closing on us is the expected outcome
                    }
                });
                long deadline = System.nanoTime() + 8_000_000_000L;
                Thread.sleep(500);
                assertEquals(1, tcp.openConnections(), "connection open while replies pile up");
                while (tcp.openConnections() > 0 && System.nanoTime() < deadline) {
                    Thread.sleep(50);
                }
                assertEquals(0, tcp.openConnections(), "server closed the connection of a client that does not read");
                writer.join(5000);
            }
            try (DnsClient client = new DnsClient(port)) {
                assertTrue(client.tcp(DnsClient.query("after.example", Type.A)).getSection(1).size() > 0);
            }
        }
    }

    /** The reaper wakes four times a second only while connections are open: a wake-up preempts the UDP loop. */
    @Test
    void theReaperParksWhileNoConnectionIsOpen() throws Exception {
        int port = FreePorts.udpAndTcp();
        try (TestServer server = TestServer.fromText(".:%d {\n whoami\n}\n".formatted(port))) {
            TcpServer tcp = server.firstListener().tcpServer();
            Thread reaper = tcp.reaperThread();
            awaitState(reaper, Thread.State.WAITING, "parked before any connection");
            try (Socket s = new Socket()) {
                s.connect(new InetSocketAddress("127.0.0.1", port), 2000);
                awaitState(reaper, Thread.State.TIMED_WAITING, "sleeping between checks while a connection is open");
            }
            long deadline = System.nanoTime() + 5_000_000_000L;
            while (tcp.openConnections() > 0 && System.nanoTime() < deadline) {
                Thread.sleep(10);
            }
            assertEquals(0, tcp.openConnections(), "the client's close ended the connection");
            awaitState(reaper, Thread.State.WAITING, "parked again once the last connection closed");
        }
    }

    private static void awaitState(Thread t, Thread.State want, String what) throws InterruptedException {
        long deadline = System.nanoTime() + 3_000_000_000L;
        while (t.getState() != want && System.nanoTime() < deadline) {
            Thread.sleep(5);
        }
        assertEquals(want, t.getState(), what);
    }
}
