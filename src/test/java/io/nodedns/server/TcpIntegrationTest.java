package io.nodedns.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.nodedns.testing.DnsClient;
import io.nodedns.testing.FreePorts;
import io.nodedns.testing.TestServer;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.xbill.DNS.Message;
import org.xbill.DNS.Rcode;
import org.xbill.DNS.Type;

/** TCP transport: pipelining, idle timeout, connection cap (issue 2 acceptance). */
class TcpIntegrationTest {
    private static final int CAP = 8;
    private static int port;
    private static TestServer server;

    @BeforeAll
    static void start() throws Exception {
        startServer();
    }

    static void startServer() throws Exception {
        port = FreePorts.udpAndTcp();
        server = TestServer.fromText("""
                .:%d {
                    timeouts {
                        read 1s
                        idle 1s
                        maxconnections %d
                    }
                    whoami
                }
                """.formatted(port, CAP));
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    private static Socket connect() throws IOException {
        Socket s = new Socket();
        s.connect(new InetSocketAddress("127.0.0.1", port), 2000);
        s.setSoTimeout(5000);
        return s;
    }

    @Test
    void hundredPipelinedQueriesAllComeBackWithTheirIds() throws Exception {
        try (Socket s = connect()) {
            DataOutputStream out = new DataOutputStream(s.getOutputStream());
            Set<Integer> sent = new HashSet<>();
            java.io.ByteArrayOutputStream all = new java.io.ByteArrayOutputStream();
            DataOutputStream batch = new DataOutputStream(all);
            for (int i = 0; i < 100; i++) {
                Message q = DnsClient.query("q" + i + ".example.org", Type.A);
                q.getHeader().setID(1000 + i);
                sent.add(1000 + i);
                byte[] wire = q.toWire();
                batch.writeShort(wire.length);
                batch.write(wire);
            }
            out.write(all.toByteArray()); // all 100 before reading any reply
            out.flush();
            DataInputStream in = new DataInputStream(s.getInputStream());
            Set<Integer> received = new HashSet<>();
            for (int i = 0; i < 100; i++) {
                byte[] reply = new byte[in.readUnsignedShort()];
                in.readFully(reply);
                Message m = new Message(reply);
                assertEquals(Rcode.NOERROR, m.getRcode());
                assertEquals("q" + (m.getHeader().getID() - 1000) + ".example.org.",
                        m.getQuestion().getName().toString(),
                        "reply matches its query");
                received.add(m.getHeader().getID());
            }
            assertEquals(sent, received);
        }
    }

    @Test
    void idleConnectionIsClosedAfterTheTimeout() throws Exception {
        try (Socket s = connect()) {
            DataOutputStream out = new DataOutputStream(s.getOutputStream());
            byte[] wire = DnsClient.query("idle.example.org", Type.A).toWire();
            out.writeShort(wire.length);
            out.write(wire);
            out.flush();
            DataInputStream in = new DataInputStream(s.getInputStream());
            in.readFully(new byte[in.readUnsignedShort()]);
            long start = System.nanoTime();
            int read = readUntilClosed(s.getInputStream());
            long waitedMs = (System.nanoTime() - start) / 1_000_000;
            assertEquals(-1, read, "server closed the idle connection");
            assertTrue(waitedMs >= 800 && waitedMs < 4000,
                    "closed after about the 1s idle timeout, took " + waitedMs + " ms");
        }
    }

    @Test
    void silentNewConnectionIsClosedAfterTheReadTimeout() throws Exception {
        try (Socket s = connect()) {
            long start = System.nanoTime();
            assertEquals(-1, readUntilClosed(s.getInputStream()));
            long waitedMs = (System.nanoTime() - start) / 1_000_000;
            assertTrue(waitedMs >= 800 && waitedMs < 4000, "took " + waitedMs + " ms");
        }
    }

    /**
     * At the cap, a new connection takes the slot of the one that has waited longest for a query:
     * the newcomer is served at once and the oldest idle connection is closed at once, never queued.
     */
    @Test
    void beyondTheCapTheLongestWaitingConnectionMakesRoom() throws Exception {
        List<Socket> held = new ArrayList<>();
        try {
            for (int i = 0; i < CAP; i++) {
                held.add(connect());
                Thread.sleep(5); // distinct waiting times: held[0] has waited longest
            }
            Thread.sleep(100); // let the server accept them
            long start = System.nanoTime();
            try (DnsClient client = new DnsClient(port)) {
                assertEquals(Rcode.NOERROR, client.tcp(DnsClient.query("beyond.cap.example", Type.A)).getRcode());
            }
            held.getFirst().setSoTimeout(2000);
            assertEquals(-1, readUntilClosed(held.getFirst().getInputStream()),
                    "the longest-waiting connection was closed");
            long tookMs = (System.nanoTime() - start) / 1_000_000;
            assertTrue(tookMs < 500, "room made at once, took " + tookMs + " ms");
            held.get(1).setSoTimeout(200);
            try {
                held.get(1).getInputStream().read();
                throw new AssertionError("the second-oldest connection should still be open");
            } catch (SocketTimeoutException stillOpen) {
                // only one connection was evicted
            }
        } finally {
            for (Socket s : held) {
                s.close();
            }
        }
    }

    /** {@code read} is one deadline for the whole first query, not per read: a trickle is closed when it runs out. */
    @Test
    void tricklingFirstQueryIsClosedByTheReadDeadline() throws Exception {
        try (Socket s = connect()) {
            assertTrickleClosedAfterAboutOneSecond(s, "trickle.example.org", "read", "the accept");
        }
    }

    /** {@code idle} is one deadline from a reply to the end of the next query. */
    @Test
    void tricklingLaterQueryIsClosedByTheIdleDeadline() throws Exception {
        try (Socket s = connect()) {
            s.getOutputStream().write(framed("first.example.org"));
            DataInputStream in = new DataInputStream(s.getInputStream());
            in.readFully(new byte[in.readUnsignedShort()]);
            assertTrickleClosedAfterAboutOneSecond(s, "second.example.org", "idle", "the reply");
        }
    }

    /** Sends the query for {@code name} a byte every 250 ms: the connection is closed before its end, about 1 s ({@code deadline}) after {@code since}. */
    private static void assertTrickleClosedAfterAboutOneSecond(Socket s, String name, String deadline, String since)
            throws Exception {
        long start = System.nanoTime();
        int sent = trickle(s, framed(name), 250);
        long tookMs = (System.nanoTime() - start) / 1_000_000;
        assertTrue(sent < framed(name).length, "closed before the query was complete, after " + sent + " bytes");
        assertTrue(tookMs >= 900 && tookMs < 1800,
                "closed about 1s (" + deadline + ") after " + since + ", took " + tookMs + " ms");
    }

    /** A query whose bytes come in pieces within the deadline is served (the kernel holds them until it is whole). */
    @Test
    void queryInPiecesWithinTheDeadlineIsAnswered() throws Exception {
        try (Socket s = connect()) {
            byte[] q = framed("pieces.example.org");
            int[] cuts = {1, 2, 7, q.length};
            int from = 0;
            for (int cut : cuts) {
                s.getOutputStream().write(q, from, cut - from);
                s.getOutputStream().flush();
                from = cut;
                Thread.sleep(150);
            }
            DataInputStream in = new DataInputStream(s.getInputStream());
            byte[] reply = new byte[in.readUnsignedShort()];
            in.readFully(reply);
            assertEquals("pieces.example.org.", new Message(reply).getQuestion().getName().toString());
            s.getOutputStream().write(framed("again.example.org")); // and the connection goes on
            reply = new byte[in.readUnsignedShort()];
            in.readFully(reply);
            assertEquals("again.example.org.", new Message(reply).getQuestion().getName().toString());
        }
    }

    /** An empty message gets no reply (as before) and the connection goes on with the next query. */
    @Test
    void emptyMessageIsSkipped() throws Exception {
        try (Socket s = connect()) {
            byte[] q = framed("after-empty.example.org");
            byte[] both = new byte[2 + q.length];
            System.arraycopy(q, 0, both, 2, q.length); // a zero length prefix, then a query
            s.getOutputStream().write(both);
            DataInputStream in = new DataInputStream(s.getInputStream());
            byte[] reply = new byte[in.readUnsignedShort()];
            in.readFully(reply);
            assertEquals("after-empty.example.org.", new Message(reply).getQuestion().getName().toString());
        }
    }

    private static byte[] framed(String name) {
        byte[] wire = DnsClient.query(name, Type.A).toWire();
        byte[] framed = new byte[wire.length + 2];
        framed[0] = (byte) (wire.length >>> 8);
        framed[1] = (byte) wire.length;
        System.arraycopy(wire, 0, framed, 2, wire.length);
        return framed;
    }

    /** Sends one byte every {@code gapMillis} until done or closed by the server; returns the bytes sent. */
    private static int trickle(Socket s, byte[] bytes, int gapMillis) throws IOException {
        s.setSoTimeout(gapMillis);
        int sent = 0;
        try {
            for (byte b : bytes) {
                s.getOutputStream().write(b);
                sent++;
                if (readUntilClosed(s.getInputStream()) < 0) {
                    return sent;
                }
            }
        } catch (SocketException e) {
            return sent; // reset: the server had closed
        }
        return sent;
    }

    /** Reads until EOF or reset; returns -1 when the peer closed. */
    private static int readUntilClosed(InputStream in) throws IOException {
        try {
            while (true) {
                int b = in.read();
                if (b < 0) {
                    return -1;
                }
            }
        } catch (SocketException | EOFException e) {
            return -1;
        } catch (SocketTimeoutException e) {
            return 0;
        }
    }
}
