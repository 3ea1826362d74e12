package io.nodedns.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.nodedns.testing.DnsClient;
import io.nodedns.testing.FakeUpstream;
import io.nodedns.testing.FreePorts;
import io.nodedns.testing.MetricValues;
import io.nodedns.testing.TestServer;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketException;
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
 * The pool of work is bounded: with {@link TcpServer#MAX_BUSY} queries waiting on an upstream
 * that never answers, one more query is shed (its connection closed, counted in
 * {@code nodedns_tcp_shed_total}) instead of growing memory, and once the waiting queries are done
 * the listener serves again.
 */
class TcpShedTest {
    @TempDir
    Path dir;

    @Test
    void queriesBeyondThePoolAreShedAndCountedThenServiceResumes() throws Exception {
        try (FakeUpstream silent = FakeUpstream.start().behaviour((q, out) -> {})) {
            int port = FreePorts.udpAndTcp();
            int metrics = FreePorts.udpAndTcp();
            String corefile = "local.:%1$d {\n whoami\n}\n.:%1$d {\n prometheus 127.0.0.1:%3$d\n forward . 127.0.0.1:%2$d\n}\n"
                    .formatted(port, silent.port(), metrics);
            try (TestServer server = TestServer.fromText(corefile)) {
                TcpServer tcp = server.firstListener().tcpServer();
                String shed = "nodedns_tcp_shed_total";
                String labels = "server=\"dns://:" + port + "\"";
                assertEquals(0, MetricValues.valueIn(MetricValues.scrape(metrics), shed, labels, "action=\"close\""));
                List<Socket> busy = new ArrayList<>();
                try {
                    occupyThePool(port, tcp, busy);
                    assertShed(port);
                    assertEquals(1, server.firstListener().tcpShed());
                    assertEquals(1,
                            MetricValues.valueIn(MetricValues.scrape(metrics), shed, labels, "action=\"close\""),
                            "exported");
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

    /** DoT (a tls:// block without tls: cleartext, as CoreDNS) sheds past the same bound: the connection closed, counted. */
    @Test
    void dotQueriesBeyondThePoolAreShedAndCounted() throws Exception {
        try (FakeUpstream silent = FakeUpstream.start().behaviour((q, out) -> {})) {
            int port = FreePorts.udpAndTcp();
            String corefile = "tls://.:%1$d {\n bind 127.0.0.1\n forward . 127.0.0.1:%2$d\n}\n".formatted(port,
                    silent.port());
            try (TestServer server = TestServer.fromText(corefile)) {
                List<Socket> busy = new ArrayList<>();
                try {
                    for (int i = 0; i < TcpServer.MAX_BUSY; i++) {
                        busy.add(send(port, "busy" + i + ".example."));
                    }
                    long deadline = System.nanoTime() + 10_000_000_000L;
                    while (forwarded(silent) < TcpServer.MAX_BUSY && System.nanoTime() < deadline) {
                        Thread.sleep(10);
                    }
                    assertEquals(TcpServer.MAX_BUSY, forwarded(silent), "every work waits on the upstream");
                    try (Socket extra = send(port, "extra.example.")) {
                        extra.setSoTimeout(3000);
                        assertEquals(-1, readOrClosed(extra), "the query past the bound was shed: closed, unanswered");
                    }
                    MetricValues metrics = new MetricValues();
                    server.firstListener().collect(metrics);
                    assertEquals(1, metrics.value("nodedns_tcp_shed", "server", server.firstListener().label(),
                            "action", "close"));
                } finally {
                    for (Socket s : busy) {
                        s.close();
                    }
                }
            }
        }
    }

    /**
     * A shed is counted once across a reload that hands the TCP server to a new listener
     * ({@code multisocket} 2 to 3): the replaced listener's last value stays in the running total,
     * and the server's next shed counts for its new listener only.
     */
    @Test
    void shedsAreCountedOnceAcrossAHandOver() throws Exception {
        try (FakeUpstream silent = FakeUpstream.start().behaviour((q, out) -> {})) {
            int port = FreePorts.udpAndTcp();
            int metrics = FreePorts.udpAndTcp();
            String block = ".:%1$d {\n bind 127.0.0.1\n multisocket %4$d\n prometheus 127.0.0.1:%3$d\n"
                    + " forward . 127.0.0.1:%2$d\n}\n";
            Path file = dir.resolve("Corefile");
            Files.writeString(file, block.formatted(port, silent.port(), metrics, 2));
            try (TestServer server = TestServer.fromFile(file)) {
                TcpServer tcp = server.firstListener().tcpServer();
                String labels = "server=\"" + server.firstListener().label() + "\"";
                List<Socket> busy = new ArrayList<>();
                try {
                    occupyThePool(port, tcp, busy);
                    assertShed(port);
                    assertEquals(1, MetricValues.valueIn(MetricValues.scrape(metrics), "nodedns_tcp_shed_total", labels,
                            "action=\"close\""));
                    Files.writeString(file, block.formatted(port, silent.port(), metrics, 3));
                    assertTrue(server.server().reload(), "reload applied");
                    assertSame(tcp, server.firstListener().tcpServer(), "the TCP server was handed over");
                    // the pool filled again after the reload, however long it took: the first queries
                    // end (SERVFAIL) once forward gives up on the silent upstream
                    for (Socket s : busy) {
                        s.setSoTimeout(15_000);
                        readOrClosed(s);
                        s.close();
                    }
                    busy.clear();
                    for (int i = 0; i < TcpServer.MAX_BUSY; i++) {
                        busy.add(send(port, "again" + i + ".example."));
                    }
                    long deadline = System.nanoTime() + 10_000_000_000L;
                    while (forwarded(silent) < 2L * TcpServer.MAX_BUSY && System.nanoTime() < deadline) {
                        Thread.sleep(10);
                    }
                    assertEquals(2L * TcpServer.MAX_BUSY, forwarded(silent), "every new query holds a work");
                    assertShed(port);
                    assertEquals(2, MetricValues.valueIn(MetricValues.scrape(metrics), "nodedns_tcp_shed_total", labels,
                            "action=\"close\""), "each shed counted once");
                } finally {
                    for (Socket s : busy) {
                        s.close();
                    }
                }
            }
        }
    }

    /** Sends {@link TcpServer#MAX_BUSY} queries to the silent upstream, one connection each (into {@code busy}), and waits until each holds a work. */
    private static void occupyThePool(int port, TcpServer tcp, List<Socket> busy) throws Exception {
        for (int i = 0; i < TcpServer.MAX_BUSY; i++) {
            busy.add(send(port, "busy" + i + ".example."));
        }
        long deadline = System.nanoTime() + 5_000_000_000L;
        while (tcp.workCreated() < TcpServer.MAX_BUSY && System.nanoTime() < deadline) {
            Thread.sleep(10);
        }
        assertEquals(TcpServer.MAX_BUSY, tcp.workCreated(), "every waiting query holds one work");
    }

    private static void assertShed(int port) throws IOException {
        try (Socket extra = send(port, "extra.example.")) {
            extra.setSoTimeout(3000);
            assertEquals(-1, readOrClosed(extra), "the query past the bound was shed: closed, unanswered");
        }
    }

    /** The distinct queries of the clients the upstream received (forward may send one again). */
    private static long forwarded(FakeUpstream upstream) {
        return upstream.queries().stream().filter(q -> !q.isProbe()).map(FakeUpstream.Query::name).distinct().count();
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
