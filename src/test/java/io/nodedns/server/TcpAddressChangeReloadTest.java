package io.nodedns.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.nodedns.testing.DnsClient;
import io.nodedns.testing.FakeUpstream;
import io.nodedns.testing.FreePorts;
import io.nodedns.testing.TestServer;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.xbill.DNS.Message;
import org.xbill.DNS.Rcode;
import org.xbill.DNS.Type;

/**
 * Reloads that move a listener to another address lose no TCP query: the old TCP server takes what
 * its accept queue holds, and its open connections go on, served by the listener that now serves
 * their address (docs/operations.md, Reloads). Here the address swaps between 127.0.0.1 and the
 * wildcard, so each reload binds a new TCP socket beside the old one and retires the old.
 */
class TcpAddressChangeReloadTest {
    private static final int PERSISTENT = 8;
    private static final int FRESH = 8;
    private static final int RELOADS = 10;

    @TempDir
    Path dir;

    private static String corefile(int port, boolean wildcard, String marker) {
        return """
                example.org:%d {
                    %s
                    marker %s
                }
                """.formatted(port, wildcard ? "" : "bind 127.0.0.1", marker);
    }

    @Test
    void addressChangesLoseNoTcpQueryAndLeaveNoServerBehind() throws Exception {
        int port = FreePorts.udpAndTcp();
        Path file = dir.resolve("Corefile");
        Files.writeString(file, corefile(port, false, "v0"));
        try (TestServer server = TestServer.fromFile(file)) {
            List<TcpServer> retired = new ArrayList<>();
            TcpClientLoad load = new TcpClientLoad(port, PERSISTENT, FRESH);
            Thread.sleep(200);
            for (int i = 1; i <= RELOADS; i++) {
                TcpServer old = server.firstListener().tcpServer();
                retired.add(old);
                Files.writeString(file, corefile(port, i % 2 == 1, "v" + i));
                assertTrue(server.server().reload(), "reload " + i + " applied");
                assertNotSame(old, server.firstListener().tcpServer(), "a new TCP socket for the new address");
                Thread.sleep(200);
            }
            load.stop();
            System.out.printf("bind 127.0.0.1 / wildcard x%d over TCP: %d queries (%d on new connections), %d lost (%d"
                    + " on new connections)%n", RELOADS, load.total(), load.fresh.get() + load.lostFresh.get(),
                    load.lost.get(), load.lostFresh.get());
            assertEquals(0, load.lost.get(), "lost queries: " + load.problems.stream().limit(5).toList());
            assertTrue(load.fresh.get() >= 200 && load.answered.get() - load.fresh.get() >= 1_000,
                    "queries flowed: " + load.total());
            // the clients closed their connections: every retired server has closed, threads and sockets
            long deadline = System.nanoTime() + 10_000_000_000L;
            while (System.nanoTime() < deadline && !retired.stream().allMatch(TcpServer::ended)) {
                Thread.sleep(20);
            }
            for (TcpServer old : retired) {
                assertTrue(old.ended(), "retired server closed, its acceptor and reaper ended");
                assertEquals(0, old.openConnections(), "retired server's connections");
            }
            assertFalse(server.firstListener().tcpServer().ended(), "the serving one runs");
            // the kernel's view: one listening socket on the port, and no server-side connection left
            // open (CLOSE_WAIT would be one the server never closed)
            assertEquals(1, sockets(port, "0A"), "listening sockets on the port");
            assertEquals(0, sockets(port, "01") + sockets(port, "08"), "server-side connections left open");
        }
    }

    /**
     * A reload that moves the port away: the old server's connections to it, which no listener
     * serves any more, answer the query in flight (through the old configuration, whose forward
     * waits on a slow upstream) and close once idle; the old server then closes (CoreDNS's Stop
     * lets in-flight queries finish). Before, they were closed under the query.
     */
    @Test
    void aQueryInFlightWhenThePortMovesIsAnsweredThenItsConnectionCloses() throws Exception {
        try (FakeUpstream up = FakeUpstream.start().behaviour((q, out) -> out.later(1000,
                FakeUpstream.answer(q.message()).toWire()))) {
            int port = FreePorts.udpAndTcp();
            int moved = FreePorts.udpAndTcp();
            Path file = dir.resolve("Corefile");
            String block = ".:%d {\n bind 127.0.0.1\n forward . " + up.hostPort() + " {\n  read_timeout 4s\n }\n}\n";
            Files.writeString(file, block.formatted(port));
            try (TestServer server = TestServer.fromFile(file);
                    Socket busy = new Socket(InetAddress.getLoopbackAddress(), port);
                    Socket idle = new Socket(InetAddress.getLoopbackAddress(), port)) {
                busy.setSoTimeout(5000);
                idle.setSoTimeout(5000);
                TcpServer old = server.firstListener().tcpServer();
                DataOutputStream out = new DataOutputStream(busy.getOutputStream());
                byte[] query = DnsClient.query("slow.example.org", Type.A).toWire();
                out.writeShort(query.length);
                out.write(query);
                out.flush();
                Thread.sleep(200); // read by the server, waiting on the upstream
                Files.writeString(file, block.formatted(moved));
                assertTrue(server.server().reload(), "reload applied");
                DataInputStream in = new DataInputStream(busy.getInputStream());
                byte[] reply = new byte[in.readUnsignedShort()];
                in.readFully(reply);
                assertEquals(Rcode.NOERROR, new Message(reply).getRcode(), "the query in flight is answered");
                assertEquals(-1, in.read(), "then the connection is closed");
                assertEquals(-1, idle.getInputStream().read(), "an idle one is closed");
                long deadline = System.nanoTime() + 5_000_000_000L;
                while (System.nanoTime() < deadline && !old.ended()) {
                    Thread.sleep(20);
                }
                assertTrue(old.ended(), "the old server closed, its threads ended");
                assertEquals(0, sockets(port, "0A"), "nothing listens on the old port");
            }
        }
    }

    /**
     * A connection the old server accepted just before a reload moved the port away, whose client
     * sends its first query only after the server retired: it is answered, then closed. Before, the
     * retire closed it as idle (its poller had read nothing yet), the query unread.
     */
    @Test
    void aConnectionWithNoQueryReadYetWhenThePortMovesGetsItsFirstAnswer() throws Exception {
        int port = FreePorts.udpAndTcp();
        int moved = FreePorts.udpAndTcp();
        Path file = dir.resolve("Corefile");
        Files.writeString(file, corefile(port, false, "v0"));
        try (TestServer server = TestServer.fromFile(file);
                Socket fresh = new Socket(InetAddress.getLoopbackAddress(), port)) {
            fresh.setSoTimeout(5000);
            TcpServer old = server.firstListener().tcpServer();
            long deadline = System.nanoTime() + 2_000_000_000L;
            while (old.openConnections() == 0 && System.nanoTime() < deadline) {
                Thread.sleep(5);
            }
            assertEquals(1, old.openConnections(), "accepted");
            Files.writeString(file, corefile(moved, false, "v1"));
            assertTrue(server.server().reload(), "reload applied");
            Thread.sleep(300); // past the handover grace: the old server has retired
            Message reply = DnsClient.exchange(fresh, DnsClient.query("a.example.org", Type.A));
            assertEquals(Rcode.NOERROR, reply.getRcode(), "the first query is answered");
            assertEquals(-1, fresh.getInputStream().read(), "then the connection is closed");
        }
    }

    /** TCP sockets of this network namespace with local port {@code port} in {@code state} (/proc/net/tcp's hex code). */
    static long sockets(int port, String state) throws java.io.IOException {
        String local = ":%04X".formatted(port);
        long n = 0;
        for (String table : List.of("/proc/net/tcp", "/proc/net/tcp6")) {
            for (String line : Files.readAllLines(Path.of(table))) {
                String[] f = line.trim().split("\\s+");
                if (f.length > 3 && f[1].endsWith(local) && f[3].equals(state)) {
                    n++;
                }
            }
        }
        return n;
    }
}
