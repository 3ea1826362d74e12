package io.nodedns.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.nodedns.testing.FreePorts;
import io.nodedns.testing.TestServer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

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
