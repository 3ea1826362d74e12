package io.nodedns.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.nodedns.testing.DnsClient;
import io.nodedns.testing.FreePorts;
import io.nodedns.testing.TestServer;
import io.nodedns.testing.UdpIoMode;
import java.net.InetAddress;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Collections;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.xbill.DNS.Message;
import org.xbill.DNS.Rcode;
import org.xbill.DNS.Type;

/**
 * Reloads that replace a listener's sockets lose no UDP query: the old sockets leave the
 * SO_REUSEPORT group and are drained before they close (multisocket changed), and a change of TCP
 * settings alone keeps the UDP sockets and loops (docs/architecture.md, Lifecycles). So does the
 * stop of one of an HA pair sharing the sockets' group.
 */
class ListenerReplaceReloadTest {
    private static final int CLIENTS = 32;
    private static final int RELOADS = 10;

    @TempDir
    Path dir;

    private static String corefile(int port, int sockets, String read) {
        return corefile(port, "", sockets, read);
    }

    private static String corefile(int port, String bind, int sockets, String read) {
        return """
                example.org:%d {
                    %s
                    multisocket %d
                    timeouts {
                        read %s
                    }
                    marker v
                }
                """.formatted(port, bind.isEmpty() ? "" : "bind " + bind, sockets, read);
    }

    /**
     * A wildcard socket leaves the group by being rehashed under the loopback address it connects
     * to; one bound to an address stays in the group as a connected member the lookup skips.
     */
    @ParameterizedTest(name = "bind ''{0}'', native I/O {1}")
    @CsvSource({"'',true", "127.0.0.1,true", "127.0.0.1,false"})
    void multisocketReloadsUnderLoadLoseNoQuery(String bind, String nativeIo) throws Exception {
        int port = FreePorts.udpAndTcp();
        Path file = dir.resolve("Corefile");
        Files.writeString(file, corefile(port, bind, 2, "3s"));
        try (UdpIoMode io = UdpIoMode.set(nativeIo); TestServer server = TestServer.fromFile(file)) {
            assertEquals(Boolean.parseBoolean(nativeIo), server.firstLoop().nativeIo());
            Load load = new Load(port);
            Thread.sleep(200);
            for (int i = 1; i <= RELOADS; i++) {
                List<UdpLoop> before = List.copyOf(server.firstListener().loops());
                Files.writeString(file, corefile(port, bind, i % 2 == 1 ? 3 : 2, "3s"));
                assertTrue(server.server().reload(), "reload " + i + " applied");
                assertTrue(Collections.disjoint(before, server.firstListener().loops()), "new sockets");
                Thread.sleep(200);
            }
            load.stop();
            System.out.printf("multisocket 2/3 x%d (bind '%s', native %s): %d queries, %d lost%n", RELOADS, bind,
                    nativeIo, load.total(), load.lost.get());
            assertEquals(0, load.lost.get(), "lost queries: " + load.problems.stream().limit(5).toList());
            assertTrue(load.total() >= 2_000, "queries flowed: " + load.total());
        }
    }

    /**
     * A wildcard socket without IP_PKTINFO (NIO) connected to loopback would answer other clients
     * from a loopback address: it stays in its group and stops reading, as before.
     */
    @Test
    void onlyAWildcardSocketWithPacketInfoLeavesItsGroup() throws Exception {
        try (UdpIoMode io = UdpIoMode.set("false");
                TestServer server = TestServer.fromText(corefile(FreePorts.udpAndTcp(), 1, "3s"))) {
            assertFalse(server.firstLoop().nativeIo());
            assertEquals("a wildcard socket without IP_PKTINFO would answer from loopback",
                    server.firstLoop().retirement().leaveGroup(), "NIO wildcard");
        }
        try (UdpIoMode io = UdpIoMode.set("true");
                TestServer server = TestServer.fromText(corefile(FreePorts.udpAndTcp(), 1, "3s"))) {
            assertTrue(server.firstLoop().nativeIo());
            assertEquals(null, server.firstLoop().retirement().leaveGroup(), "native wildcard, IP_PKTINFO");
        }
    }

    /** The wildcard listener and one bound to 127.0.0.1 take the port from each other: each time one goes away. */
    @Test
    void aListenerThatTakesTheAddressOverLosesNoQuery() throws Exception {
        int port = FreePorts.udpAndTcp();
        Path file = dir.resolve("Corefile");
        Files.writeString(file, corefile(port, "", 2, "3s"));
        try (TestServer server = TestServer.fromFile(file)) {
            Load load = new Load(port);
            Thread.sleep(200);
            for (int i = 1; i <= RELOADS; i++) {
                String bind = i % 2 == 1 ? "127.0.0.1" : "";
                Files.writeString(file, corefile(port, bind, 2, "3s"));
                assertTrue(server.server().reload(), "reload " + i + " applied");
                assertEquals(bind, server.firstListener().address().host());
                Thread.sleep(200);
            }
            load.stop();
            System.out.printf("wildcard/127.0.0.1 x%d: %d queries, %d lost%n", RELOADS, load.total(), load.lost.get());
            assertEquals(0, load.lost.get(), "lost queries: " + load.problems.stream().limit(5).toList());
            assertTrue(load.total() >= 2_000, "queries flowed: " + load.total());
        }
    }

    /**
     * An HA pair (-ha, both processes in one SO_REUSEPORT group): the one that stops leaves the
     * group before it stops reading, so its share of new queries goes to the other one.
     */
    @Test
    void anHaPeerThatStopsLosesNoQuery() throws Exception {
        int port = FreePorts.udpAndTcp();
        String corefile = corefile(port, "127.0.0.1", 2, "3s");
        try (TestServer first = TestServer.fromText(corefile)) {
            Load load = new Load(port);
            for (int i = 1; i <= 5; i++) {
                Server peer = new Server(TestServer.registry(), new ConfigSource.TextSource("Corefile", corefile), 53,
                        k -> null);
                peer.shareAddresses(true);
                peer.start();
                Thread.sleep(300);
                peer.stop();
            }
            Thread.sleep(200);
            load.stop();
            System.out.printf("HA peer stopped x5: %d queries, %d lost%n", load.total(), load.lost.get());
            assertEquals(0, load.lost.get(), "lost queries: " + load.problems.stream().limit(5).toList());
            assertTrue(load.total() >= 2_000, "queries flowed: " + load.total());
        }
    }

    /** timeouts and maxconnections concern TCP alone: they are handed to the TCP server in place, no socket is replaced. */
    @Test
    void tcpSettingsReloadKeepsEverySocket() throws Exception {
        int port = FreePorts.udpAndTcp();
        Path file = dir.resolve("Corefile");
        Files.writeString(file, corefile(port, 2, "4s"));
        try (TestServer server = TestServer.fromFile(file);
                Socket tcp = new Socket(InetAddress.getLoopbackAddress(), port)) {
            tcp.setSoTimeout(3000);
            assertEquals(Rcode.NOERROR,
                    DnsClient.exchange(tcp, DnsClient.query("first.example.org", Type.A)).getRcode());
            Load load = new Load(port);
            Listener listener = server.firstListener();
            List<UdpLoop> loops = List.copyOf(listener.loops());
            TcpServer tcpServer = listener.tcpServer();
            for (int i = 1; i <= RELOADS; i++) {
                String read = (2 + i % 2) + "s";
                Files.writeString(file, corefile(port, 2, read));
                assertTrue(server.server().reload(), "reload " + i + " applied");
                assertSame(listener, server.firstListener(), "the listener is kept");
                assertEquals(loops, listener.loops(), "the same UDP loops serve");
                assertSame(tcpServer, listener.tcpServer(), "the same TCP server");
                assertEquals(Duration.parse("PT" + read), listener.settings().tcpRead());
                assertEquals(Duration.parse("PT" + read), tcpServer.settings.tcpRead(), "the TCP server's deadlines");
                Thread.sleep(100);
            }
            load.stop();
            Message reply = DnsClient.exchange(tcp, DnsClient.query("again.example.org", Type.A));
            assertEquals(Rcode.NOERROR, reply.getRcode(), "the TCP connection opened before the reloads still serves");
            assertEquals(0, load.lost.get(), "lost queries: " + load.problems.stream().limit(5).toList());
            // a deadline, not only the field, takes the reloaded value: after read 10s then 1s, a
            // silent connection is closed after about 1 s (checked four times a second), not 10
            Files.writeString(file, corefile(port, 2, "10s"));
            assertTrue(server.server().reload(), "read 10s applied");
            Files.writeString(file, corefile(port, 2, "1s"));
            assertTrue(server.server().reload(), "read 1s applied");
            try (Socket silent = new Socket(InetAddress.getLoopbackAddress(), port)) {
                silent.setSoTimeout(5000); // a SocketTimeoutException here: the 10 s deadline applied
                assertEquals(-1, silent.getInputStream().read(), "closed by the server within the new read deadline");
            }
        }
    }

    /** Clients each asking one query at a time over UDP; a query without a reply in 3 s is lost. */
    private static final class Load extends ClientLoad {

        Load(int port) {
            for (int c = 0; c < CLIENTS; c++) {
                int id = c;
                clients.add(Thread.ofPlatform().name("client-" + c).start(() -> {
                    try (DnsClient client = new DnsClient(port)) {
                        for (int i = 0; running.get(); i++) {
                            Message reply = client.udp(DnsClient.query("c" + id + "-" + i + ".example.org", Type.A));
                            if (reply == null || reply.getRcode() != Rcode.NOERROR) {
                                lost.incrementAndGet();
                                problems.add(reply == null ? "timeout" : Rcode.string(reply.getRcode()));
                            } else {
                                answered.incrementAndGet();
                            }
                        }
                    } catch (Exception e) {
                        problems.add(e.toString());
                        lost.incrementAndGet();
                    }
                }));
            }
        }
    }
}
