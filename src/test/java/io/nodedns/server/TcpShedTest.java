package io.nodedns.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.nodedns.testing.DnsClient;
import io.nodedns.testing.FakeUpstream;
import io.nodedns.testing.FreePorts;
import io.nodedns.testing.TestServer;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketException;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.xbill.DNS.Message;
import org.xbill.DNS.Rcode;
import org.xbill.DNS.Type;

/**
 * The pool of work is bounded: with {@link TcpServer#MAX_BUSY} queries waiting on an upstream
 * that never answers, one more query is shed (its connection closed, counted) instead of growing
 * memory, and once the waiting queries are done the listener serves again.
 */
class TcpShedTest {
    @Test
    void queriesBeyondThePoolAreShedAndCountedThenServiceResumes() throws Exception {
        try (FakeUpstream silent = FakeUpstream.start().behaviour((q, out) -> {})) {
            int port = FreePorts.udpAndTcp();
            String corefile = "local.:%1$d {\n whoami\n}\n.:%1$d {\n forward . 127.0.0.1:%2$d\n}\n".formatted(port,
                    silent.port());
            try (TestServer server = TestServer.fromText(corefile)) {
                TcpServer tcp = server.firstListener().tcpServer();
                List<Socket> busy = new ArrayList<>();
                try {
                    for (int i = 0; i < TcpServer.MAX_BUSY; i++) {
                        busy.add(send(port, "busy" + i + ".example."));
                    }
                    long deadline = System.nanoTime() + 5_000_000_000L;
                    while (tcp.workCreated() < TcpServer.MAX_BUSY && System.nanoTime() < deadline) {
                        Thread.sleep(10);
                    }
                    assertEquals(TcpServer.MAX_BUSY, tcp.workCreated(), "every waiting query holds one work");
                    try (Socket extra = send(port, "extra.example.")) {
                        extra.setSoTimeout(3000);
                        assertEquals(-1, readOrClosed(extra), "the query past the bound was shed: closed, unanswered");
                    }
                    assertEquals(1, tcp.shedConnections());
                    assertEquals(TcpServer.MAX_BUSY, tcp.workCreated(), "the pool did not grow");
                    for (Socket s : busy) {
                        s.setSoTimeout(15_000);
                        assertTrue(readOrClosed(s) != 0, "each waiting query ends (answered or closed)");
                    }
                } finally {
                    for (Socket s : busy) {
                        s.close();
                    }
                }
                try (DnsClient client = new DnsClient(port)) {
                    Message m = client.tcp(DnsClient.query("after.local.", Type.A));
                    assertEquals(Rcode.NOERROR, m.getRcode(), "served again");
                }
            }
        }
    }

    private static Socket send(int port, String name) throws IOException {
        Socket s = new Socket();
        s.connect(new InetSocketAddress("127.0.0.1", port), 2000);
        byte[] wire = DnsClient.query(name, Type.A).toWire();
        byte[] framed = new byte[wire.length + 2];
        framed[0] = (byte) (wire.length >>> 8);
        framed[1] = (byte) wire.length;
        System.arraycopy(wire, 0, framed, 2, wire.length);
        s.getOutputStream().write(framed);
        return s;
    }

    /** 1 when a reply came, -1 when the server closed without one. */
    private static int readOrClosed(Socket s) throws IOException {
        try {
            DataInputStream in = new DataInputStream(s.getInputStream());
            in.readFully(new byte[in.readUnsignedShort()]);
            return 1;
        } catch (EOFException | SocketException e) {
            return -1;
        }
    }
}
