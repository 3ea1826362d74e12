package io.nodedns.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.nodedns.testing.DnsClient;
import io.nodedns.testing.FakeUpstream;
import io.nodedns.testing.FreePorts;
import io.nodedns.testing.TestServer;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.xbill.DNS.Message;
import org.xbill.DNS.Rcode;
import org.xbill.DNS.Type;

/**
 * Pipelined TCP (RFC 7766 6.2.1.1, 7) over real sockets: queries on one connection are served
 * concurrently and each reply is written when ready; at most {@link TcpServer#MAX_PIPELINED} are
 * in flight per connection. The upstream stand-in answers names starting with {@code slow} after
 * {@link #SLOW_MS}, the rest at once.
 */
class TcpPipeliningTest {
    private static final int SLOW_MS = 1700;
    private FakeUpstream up;
    private TestServer server;
    private int port;

    @BeforeEach
    void start() throws Exception {
        up = FakeUpstream.start().behaviour((q, out) -> {
            byte[] wire = FakeUpstream.answer(q.message()).toWire();
            if (q.name().startsWith("slow")) {
                out.later(SLOW_MS, wire);
            } else {
                out.send(wire);
            }
        });
        port = FreePorts.udpAndTcp();
        // read_timeout well above the upstream's delay: the slow answer stays an answer on a loaded machine
        server = TestServer
                .fromText(".:" + port + " {\n cache\n forward . " + up.hostPort() + " {\n  read_timeout 4s\n }\n}\n");
    }

    @AfterEach
    void stop() {
        server.close();
        up.close();
    }

    private Socket connect() throws IOException {
        Socket s = new Socket();
        s.connect(new InetSocketAddress("127.0.0.1", port), 2000);
        s.setSoTimeout(10_000);
        return s;
    }

    private static void frame(DataOutputStream out, String name, int id) throws IOException {
        Message q = DnsClient.query(name, Type.A);
        q.getHeader().setID(id);
        byte[] wire = q.toWire();
        out.writeShort(wire.length);
        out.write(wire);
    }

    private static Message read(DataInputStream in) throws IOException {
        byte[] reply = new byte[in.readUnsignedShort()];
        in.readFully(reply);
        return new Message(reply);
    }

    private long upstreamQueries(String prefix) {
        return up.queries().stream().filter(q -> !q.isProbe() && q.name().startsWith(prefix)).count();
    }

    @Test
    void aCachedReplyIsNotHeldBehindASlowUpstreamOnTheSameConnection() throws Exception {
        try (DnsClient warm = new DnsClient(port)) {
            assertEquals(Rcode.NOERROR, warm.tcp(DnsClient.query("cached.pipe.test", Type.A)).getRcode());
        }
        try (Socket s = connect()) {
            ByteArrayOutputStream both = new ByteArrayOutputStream();
            DataOutputStream batch = new DataOutputStream(both);
            frame(batch, "slow.pipe.test", 1);
            frame(batch, "cached.pipe.test", 2);
            long start = System.nanoTime();
            s.getOutputStream().write(both.toByteArray()); // one segment: the slow query first
            DataInputStream in = new DataInputStream(s.getInputStream());
            Message first = read(in);
            long firstMs = (System.nanoTime() - start) / 1_000_000;
            Message second = read(in);
            long secondMs = (System.nanoTime() - start) / 1_000_000;
            assertEquals(2, first.getHeader().getID(), "the cached answer comes first");
            assertTrue(secondMs - firstMs > SLOW_MS / 2,
                    "not held behind the slow one: " + firstMs + " ms, then " + secondMs + " ms");
            assertEquals(1, second.getHeader().getID());
            assertEquals(Rcode.NOERROR, second.getRcode());
            assertTrue(secondMs >= SLOW_MS - 100, "the slow one after the upstream's delay, took " + secondMs + " ms");
            assertEquals(1, upstreamQueries("cached."), "the second was a cache hit");
        }
    }

    private Socket pipeline(String prefix, int n) throws IOException {
        Socket s = connect();
        ByteArrayOutputStream all = new ByteArrayOutputStream();
        DataOutputStream batch = new DataOutputStream(all);
        for (int i = 0; i < n; i++) {
            frame(batch, "slow" + i + "." + prefix + ".pipe.test", i + 1);
        }
        s.getOutputStream().write(all.toByteArray());
        return s;
    }

    /**
     * With the listener's pool of work empty, a connection that has queries in flight waits for
     * one of them to give its work back instead of being shed; one with none is shed as before.
     */
    @Test
    void aConnectionWithQueriesInFlightWaitsForWorkWhenThePoolIsEmpty() throws Exception {
        TcpServer tcp = server.firstListener().tcpServer();
        List<Socket> held = new ArrayList<>();
        try {
            Socket waiting = pipeline("w", 8);
            held.add(waiting);
            int others = TcpServer.MAX_BUSY - 8;
            for (int c = 0; others > 0; c++) {
                int n = Math.min(TcpServer.MAX_PIPELINED, others);
                held.add(pipeline("c" + c, n));
                others -= n;
            }
            long deadline = System.nanoTime() + 10_000_000_000L;
            while (tcp.workCreated() < TcpServer.MAX_BUSY && System.nanoTime() < deadline) {
                Thread.sleep(10);
            }
            assertEquals(TcpServer.MAX_BUSY, tcp.workCreated(), "the pool is exhausted");
            DataOutputStream out = new DataOutputStream(waiting.getOutputStream());
            frame(out, "slow.ninth.w.pipe.test", 99); // 9 < 16 in flight, but no work left
            try (Socket fresh = pipeline("fresh", 1)) {
                fresh.setSoTimeout(5000);
                int read;
                try {
                    read = fresh.getInputStream().read();
                } catch (java.net.SocketException reset) {
                    read = -1; // closed with its query unread: the kernel resets it
                }
                assertEquals(-1, read, "a connection with nothing in flight is shed");
            }
            assertEquals(1, server.firstListener().tcpShed());
            DataInputStream in = new DataInputStream(waiting.getInputStream());
            Set<Integer> ids = new HashSet<>();
            for (int i = 0; i < 9; i++) {
                Message m = read(in);
                assertEquals(Rcode.NOERROR, m.getRcode());
                ids.add(m.getHeader().getID());
            }
            assertTrue(ids.contains(99), "the query that waited for work was answered: " + ids);
            assertEquals(1, server.firstListener().tcpShed(), "and not shed");
        } finally {
            for (Socket s : held) {
                s.close();
            }
        }
    }

    @Test
    void queriesInFlightPerConnectionAreBoundedAndAllAreAnswered() throws Exception {
        int total = TcpServer.MAX_PIPELINED + 8;
        try (Socket s = connect()) {
            ByteArrayOutputStream all = new ByteArrayOutputStream();
            DataOutputStream batch = new DataOutputStream(all);
            for (int i = 0; i < total; i++) {
                frame(batch, "slow" + i + ".pipe.test", 100 + i);
            }
            long start = System.nanoTime();
            s.getOutputStream().write(all.toByteArray());
            assertEquals(TcpServer.MAX_PIPELINED,
                    up.await(q -> q.name().startsWith("slow"), TcpServer.MAX_PIPELINED, 3000),
                    "the first " + TcpServer.MAX_PIPELINED + " go upstream at once: " + up.queries());
            Thread.sleep(SLOW_MS / 3);
            long before = (System.nanoTime() - start) / 1_000_000;
            long seen = upstreamQueries("slow");
            if (before < SLOW_MS - 300) { // under heavy load the first replies may already be back
                assertEquals(TcpServer.MAX_PIPELINED, seen,
                        "no more are read while " + TcpServer.MAX_PIPELINED + " are in flight");
            }
            DataInputStream in = new DataInputStream(s.getInputStream());
            Set<Integer> ids = new HashSet<>();
            for (int i = 0; i < total; i++) {
                Message m = read(in);
                assertEquals(Rcode.NOERROR, m.getRcode());
                assertEquals("slow" + (m.getHeader().getID() - 100) + ".pipe.test.",
                        m.getQuestion().getName().toString(),
                        "each reply matches its query");
                ids.add(m.getHeader().getID());
            }
            long tookMs = (System.nanoTime() - start) / 1_000_000;
            assertEquals(total, ids.size());
            assertTrue(tookMs >= 2 * SLOW_MS - 200, "the rest waited for a free place, took " + tookMs + " ms");
            assertTrue(tookMs < 6 * SLOW_MS, "but in two rounds, not one by one, took " + tookMs + " ms");
        }
    }
}
