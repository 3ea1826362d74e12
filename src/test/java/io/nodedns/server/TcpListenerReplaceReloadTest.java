package io.nodedns.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.nodedns.testing.DnsClient;
import io.nodedns.testing.FreePorts;
import io.nodedns.testing.MetricValues;
import io.nodedns.testing.TestServer;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.xbill.DNS.Message;
import org.xbill.DNS.Rcode;
import org.xbill.DNS.TXTRecord;
import org.xbill.DNS.Type;

/**
 * Reloads that replace a listener's UDP sockets ({@code multisocket} changed) lose no TCP query:
 * the bound TCP server, its accept queue and its open connections are handed to the replacing
 * listener (docs/architecture.md, Lifecycles). ListenerReplaceReloadTest does the same for UDP.
 */
class TcpListenerReplaceReloadTest {
    /** Clients that keep one connection and ask on it one query at a time. */
    private static final int PERSISTENT = 8;
    /** Clients that open a connection for each query. */
    private static final int FRESH = 8;
    private static final int RELOADS = 10;

    @TempDir
    Path dir;

    private static String corefile(int port, int sockets, String marker) {
        return """
                example.org:%d {
                    bind 127.0.0.1
                    multisocket %d
                    marker %s
                }
                """.formatted(port, sockets, marker);
    }

    @Test
    void multisocketReloadsLoseNoTcpQuery() throws Exception {
        int port = FreePorts.udpAndTcp();
        Path file = dir.resolve("Corefile");
        Files.writeString(file, corefile(port, 2, "v0"));
        try (TestServer server = TestServer.fromFile(file);
                Socket before = new Socket(InetAddress.getLoopbackAddress(), port)) {
            before.setSoTimeout(3000);
            assertEquals("v0", marker(DnsClient.exchange(before, DnsClient.query("before.example.org", Type.TXT))));
            TcpServer tcp = server.firstListener().tcpServer();
            TcpClientLoad load = new TcpClientLoad(port, PERSISTENT, FRESH);
            Thread.sleep(200);
            for (int i = 1; i <= RELOADS; i++) {
                List<UdpLoop> loops = List.copyOf(server.firstListener().loops());
                Files.writeString(file, corefile(port, i % 2 == 1 ? 3 : 2, "v" + i));
                assertTrue(server.server().reload(), "reload " + i + " applied");
                assertTrue(Collections.disjoint(loops, server.firstListener().loops()), "new UDP sockets");
                Thread.sleep(200);
            }
            load.stop();
            System.out.printf("multisocket 2/3 x%d over TCP: %d queries (%d on new connections), %d lost (%d on new"
                    + " connections)%n", RELOADS, load.total(), load.fresh.get() + load.lostFresh.get(),
                    load.lost.get(),
                    load.lostFresh.get());
            assertEquals(0, load.lost.get(), "lost queries: " + load.problems.stream().limit(5).toList());
            assertTrue(load.fresh.get() >= 200 && load.answered.get() - load.fresh.get() >= 1_000,
                    "queries flowed: " + load.total());
            assertSame(tcp, server.firstListener().tcpServer(), "the TCP server was handed over");
            assertEquals("v" + RELOADS,
                    marker(DnsClient.exchange(before, DnsClient.query("after.example.org", Type.TXT))),
                    "a connection opened before the reloads is served by the new configuration");
        }
    }

    /**
     * The TCP server moves to the new listener only at the swap: a reload that fails after the new
     * listener started (here a later block's bind) closes that listener and leaves the old one's
     * TCP server, connections and configuration serving.
     */
    @Test
    void aFailedReloadLeavesTheTcpServerServing() throws Exception {
        int port = FreePorts.udpAndTcp();
        Path file = dir.resolve("Corefile");
        Files.writeString(file, corefile(port, 2, "v0"));
        try (TestServer server = TestServer.fromFile(file);
                DnsClient client = new DnsClient(port);
                Socket before = new Socket(InetAddress.getLoopbackAddress(), port)) {
            before.setSoTimeout(3000);
            assertEquals("v0", marker(DnsClient.exchange(before, DnsClient.query("a.example.org", Type.TXT))));
            Listener listener = server.firstListener();
            TcpServer tcp = listener.tcpServer();
            // 192.0.2.1 (TEST-NET-1, RFC 5737) is on no interface: its bind fails after the first block's listener started
            Files.writeString(file, corefile(port, 3, "v1") + "example.net:%d {\n bind 192.0.2.1\n marker w\n}\n"
                    .formatted(port));
            IOException failed = assertThrows(IOException.class, () -> server.server().reload());
            assertTrue(failed.getMessage().contains("192.0.2.1"), failed.getMessage());
            assertSame(listener, server.firstListener(), "the old listener serves on");
            assertSame(tcp, listener.tcpServer(), "with its TCP server");
            assertEquals("v0", marker(DnsClient.exchange(before, DnsClient.query("b.example.org", Type.TXT))),
                    "an open connection");
            assertEquals("v0", marker(client.tcp(DnsClient.query("c.example.org", Type.TXT))), "a new connection");
        }
    }

    /**
     * nodedns_loop_errors_total counts a TCP acceptor's errors once across a reload that hands
     * its server to a new listener: the replaced listener's last value is kept in the running
     * total, so the server's errors must not come again with its successor's.
     */
    @Test
    void acceptErrorsAreReportedOnceAcrossAHandOver() throws Exception {
        int port = FreePorts.udpAndTcp();
        int metrics = FreePorts.udpAndTcp();
        String block = "example.org:%d {\n bind 127.0.0.1\n multisocket %d\n prometheus 127.0.0.1:%d\n}\n";
        Path file = dir.resolve("Corefile");
        Files.writeString(file, block.formatted(port, 2, metrics));
        try (TestServer server = TestServer.fromFile(file)) {
            TcpServer tcp = server.firstListener().tcpServer();
            String labels = "server=\"" + server.firstListener().label() + "\"";
            double before = MetricValues.valueIn(MetricValues.scrape(metrics), "nodedns_loop_errors_total", labels);
            for (int i = 0; i < 3; i++) {
                tcp.acceptFailed(new IOException("Too many open files"));
            }
            assertEquals(before + 3,
                    MetricValues.valueIn(MetricValues.scrape(metrics), "nodedns_loop_errors_total", labels));
            Files.writeString(file, block.formatted(port, 3, metrics));
            assertTrue(server.server().reload(), "reload applied");
            assertSame(tcp, server.firstListener().tcpServer(), "the TCP server was handed over");
            assertEquals(before + 3,
                    MetricValues.valueIn(MetricValues.scrape(metrics), "nodedns_loop_errors_total", labels),
                    "the handed-over server's errors counted once");
            tcp.acceptFailed(new IOException("Too many open files"));
            assertEquals(before + 4,
                    MetricValues.valueIn(MetricValues.scrape(metrics), "nodedns_loop_errors_total", labels),
                    "and its next ones for the new listener");
        }
    }

    private static String marker(Message reply) {
        assertEquals(Rcode.NOERROR, reply.getRcode());
        return ((TXTRecord) reply.getSection(org.xbill.DNS.Section.ANSWER).getFirst()).getStrings().getFirst();
    }
}
