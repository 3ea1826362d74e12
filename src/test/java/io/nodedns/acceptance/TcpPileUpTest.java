package io.nodedns.acceptance;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.nodedns.testing.DnsClient;
import io.nodedns.testing.FreePorts;
import io.nodedns.testing.ImageJvm;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.xbill.DNS.Message;
import org.xbill.DNS.Rcode;
import org.xbill.DNS.Type;

/**
 * Issue 23's TCP pile-up, under the image's JVM flags: the node-local-dns Corefile shape (four
 * blocks with cache and forward, here to a loopback UDP upstream, hence prefer_udp) holds {@code maxconnections} (1024)
 * idle TCP connections, then 200 clients trickling one byte a second while valid clients keep
 * querying. No OOM; valid clients answered (>= 99 %); every trickle closed by {@code read} before
 * its query is complete; RSS after (full GC both times) within 10 % of before. The heap one idle
 * connection costs is printed and bounded. Relies on a file-descriptor limit of at least 2048 in
 * both JVMs (the JVM raises its soft limit to the hard one; checked below).
 */
class TcpPileUpTest {
    private static final int IDLE = 1024;
    private static final int TRICKLES = 200;
    private static final int READ_SECONDS = 2;
    /** New connections the valid clients may open under the pile-up, fewer than the idle ones the trickles leave. */
    private static final int FRESH = IDLE - TRICKLES - 100;

    @TempDir
    Path dir;

    @Test
    void idleAndTricklingConnectionsNeitherExhaustMemoryNorStarveClients() throws Exception {
        try (LoopbackUpstream upstream = LoopbackUpstream.start()) {
            int port = FreePorts.udpAndTcp();
            Path corefile = dir.resolve("Corefile");
            Files.writeString(corefile, corefile(port, upstream.port()));
            try (ImageJvm p = ImageJvm.start(corefile, dir.resolve("out.log"))) {
                run(p, port);
            }
        }
    }

    private void run(ImageJvm p, int port) throws Exception {
        try (DnsClient client = new DnsClient(port)) {
            p.awaitReply(client, DnsClient.query("up.cluster.local.", Type.A), Duration.ofSeconds(60));
        }
        long fdLimit = p.openFileLimit();
        assertTrue(fdLimit >= 2048, "the child's open-file limit (" + fdLimit + ") holds the test's connections");
        InetSocketAddress server = new InetSocketAddress("127.0.0.1", port);
        // warm up: the valid clients' load for a few seconds compiles the paths and has the young
        // generation's pages touched, so that "before" is the steady state the connections add to
        AtomicLong warmSent = new AtomicLong();
        AtomicLong warmAnswered = new AtomicLong();
        AtomicInteger warmFresh = new AtomicInteger(Integer.MAX_VALUE);
        long warmUntil = System.nanoTime() + TimeUnit.SECONDS.toNanos(3);
        List<Thread> warm = new ArrayList<>();
        for (int t = 0; t < 4; t++) {
            int id = t;
            warm.add(Thread.ofPlatform()
                    .start(() -> validClient(server, id, warmUntil, warmFresh, warmSent, warmAnswered)));
        }
        for (Thread t : warm) {
            t.join(20_000);
        }
        Usage before = usage(p);

        List<SocketChannel> idle = new ArrayList<>(IDLE);
        for (int i = 0; i < IDLE; i++) {
            SocketChannel c = SocketChannel.open(server);
            Message r = exchange(c, DnsClient.query("idle" + (i % 100) + ".cluster.local.", Type.A));
            assertEquals(Rcode.NOERROR, r.getRcode(), () -> r + "\n" + p.log());
            idle.add(c);
        }
        Usage withIdle = usage(p);
        long perIdle = (withIdle.live - before.live) / IDLE;
        System.out.printf(
                "tcp pile-up: before rss %d KiB live %d KiB; %d idle: rss %d KiB live %d KiB (%d B of heap each)%n",
                before.rss / 1024, before.live / 1024, IDLE, withIdle.rss / 1024, withIdle.live / 1024, perIdle);

        AtomicLong sent = new AtomicLong();
        AtomicLong answered = new AtomicLong();
        AtomicInteger fresh = new AtomicInteger(FRESH);
        long stopAt = System.nanoTime() + TimeUnit.SECONDS.toNanos(READ_SECONDS + 5);
        List<Thread> valid = new ArrayList<>();
        for (int t = 0; t < 4; t++) {
            int id = t;
            valid.add(Thread.ofPlatform().start(() -> validClient(server, id, stopAt, fresh, sent, answered)));
        }
        Thread.sleep(500);
        long[] closedAfter = new long[TRICKLES];
        int[] bytesSent = new int[TRICKLES];
        List<Thread> trickles = new ArrayList<>();
        for (int t = 0; t < TRICKLES; t++) {
            int id = t;
            trickles.add(Thread.ofVirtual().start(() -> trickle(server, id, closedAfter, bytesSent)));
        }
        for (Thread t : trickles) {
            t.join(20_000);
        }
        for (Thread t : valid) {
            t.join(20_000);
        }
        assertTrue(p.isAlive(), "the server survived");
        long readNanos = TimeUnit.SECONDS.toNanos(READ_SECONDS);
        int query = DnsClient.query("trickle.cluster.local.", Type.A).toWire().length + 2;
        for (int t = 0; t < TRICKLES; t++) {
            assertTrue(closedAfter[t] >= readNanos - 100_000_000L && closedAfter[t] <= readNanos + 1_500_000_000L,
                    "trickle " + t + " closed by read, after " + closedAfter[t] / 1_000_000 + " ms");
            assertTrue(bytesSent[t] < query, "trickle " + t + " closed before its query was complete");
        }
        System.out.printf("tcp pile-up: valid clients %d of %d answered; trickles closed after %d..%d ms%n",
                answered.get(),
                sent.get(), java.util.Arrays.stream(closedAfter).min().orElse(0) / 1_000_000,
                java.util.Arrays.stream(closedAfter).max().orElse(0) / 1_000_000);
        assertTrue(sent.get() >= 200, "valid clients kept querying: " + sent.get());
        assertTrue(answered.get() >= sent.get() * 99 / 100, answered.get() + " of " + sent.get() + " answered");

        for (SocketChannel c : idle) {
            c.close();
        }
        Thread.sleep(1000);
        Usage after = usage(p);
        System.out.printf("tcp pile-up: after rss %d KiB live %d KiB (%+.1f %% rss)%n", after.rss / 1024,
                after.live / 1024,
                100.0 * (after.rss - before.rss) / before.rss);
        assertTrue(p.isAlive(), "the server survived");
        assertTrue(Math.abs(after.rss - before.rss) <= before.rss / 10, "RSS " + before.rss / 1024 + " KiB before, "
                + after.rss / 1024 + " KiB after");
        assertTrue(perIdle <= 1024, "an idle connection costs " + perIdle + " B of heap");
    }

    /**
     * Queries on a persistent connection, and every 8th on a new connection, until the stop time.
     * New connections are capped ({@link #FRESH}): at the cap each one evicts the longest-waiting
     * connection, and the test wants those to be the idle ones, never a trickle, so that every
     * trickle is closed by read.
     */
    private static void validClient(InetSocketAddress server, int id, long stopAt, AtomicInteger freshLeft,
            AtomicLong sent,
            AtomicLong answered) {
        SocketChannel persistent = null;
        int i = 0;
        while (System.nanoTime() < stopAt) {
            boolean fresh = (i & 7) == 7 && freshLeft.getAndDecrement() > 0;
            sent.incrementAndGet();
            try {
                if (persistent == null || fresh) {
                    SocketChannel c = SocketChannel.open(server);
                    if (fresh) {
                        try (c) {
                            ok(exchange(c, DnsClient.query("v" + (i % 64) + ".cluster.local.", Type.A)), answered);
                        }
                    } else {
                        persistent = c;
                    }
                }
                if (!fresh) {
                    ok(exchange(persistent, DnsClient.query("p" + id + "-" + (i % 64) + ".example.", Type.A)),
                            answered);
                }
            } catch (IOException e) {
                if (persistent != null && !fresh) {
                    closeQuietly(persistent);
                    persistent = null;
                }
            }
            i++;
        }
        if (persistent != null) {
            closeQuietly(persistent);
        }
    }

    private static void ok(Message m, AtomicLong answered) {
        if (m.getRcode() == Rcode.NOERROR && !m.getSection(1).isEmpty()) {
            answered.incrementAndGet();
        }
    }

    /** Sends a valid query one byte a second; records when the server closed the connection. */
    private static void trickle(InetSocketAddress server, int id, long[] closedAfter, int[] bytesSent) {
        byte[] wire = DnsClient.query("trickle.cluster.local.", Type.A).toWire();
        byte[] framed = new byte[wire.length + 2];
        framed[0] = (byte) (wire.length >>> 8);
        framed[1] = (byte) wire.length;
        System.arraycopy(wire, 0, framed, 2, wire.length);
        long start = System.nanoTime();
        try (java.net.Socket s = new java.net.Socket()) {
            s.connect(server, 5000);
            start = System.nanoTime();
            s.setSoTimeout(1000);
            for (int i = 0; i < framed.length; i++) {
                s.getOutputStream().write(framed[i]);
                bytesSent[id] = i + 1;
                try {
                    if (s.getInputStream().read() < 0) {
                        break;
                    }
                } catch (SocketTimeoutException e) {
                    continue; // a second passed: send the next byte
                }
            }
        } catch (IOException e) {
            // reset by the server's close: closed
        }
        closedAfter[id] = System.nanoTime() - start;
    }

    private static Message exchange(SocketChannel c, Message query) throws IOException {
        byte[] wire = query.toWire();
        ByteBuffer out = ByteBuffer.allocate(wire.length + 2);
        out.putShort((short) wire.length).put(wire).flip();
        while (out.hasRemaining()) {
            c.write(out);
        }
        ByteBuffer length = readFully(c, 2);
        return new Message(readFully(c, length.getShort(0) & 0xffff).array());
    }

    private static ByteBuffer readFully(SocketChannel c, int n) throws IOException {
        ByteBuffer b = ByteBuffer.allocate(n);
        while (b.hasRemaining()) {
            if (c.read(b) < 0) {
                throw new IOException("closed");
            }
        }
        return b;
    }

    private static String corefile(int port, int upstream) {
        String block = """
                %s:%d {
                    errors
                    cache %s
                    forward . 127.0.0.1:%d {
                        prefer_udp
                    }
                    timeouts {
                        read %ds
                        idle 60s
                    }
                }
                """;
        String clusterCache = "{\n        success 9984 30\n        denial 9984 5\n    }";
        return block.formatted("cluster.local", port, clusterCache, upstream, READ_SECONDS)
                + block.formatted("in-addr.arpa", port, "30", upstream, READ_SECONDS)
                + block.formatted("ip6.arpa", port, "30", upstream, READ_SECONDS)
                + block.formatted(".", port, "30", upstream, READ_SECONDS);
    }

    /** RSS, and the bytes of live objects. */
    private record Usage(long rss, long live) {
    }

    /** RSS and live heap right after a full GC (the class histogram makes one; jcmd next to this test's java). */
    private static Usage usage(ImageJvm p) throws Exception {
        Matcher m = Pattern.compile("(?m)^Total\\s+\\d+\\s+(\\d+)").matcher(p.jcmd("GC.class_histogram"));
        assertTrue(m.find(), "class histogram total");
        long live = Long.parseLong(m.group(1));
        Thread.sleep(200);
        return new Usage(p.rssKiB() * 1024, live);
    }

    private static void closeQuietly(SocketChannel c) {
        try {
            c.close();
        } catch (IOException ignored) {
            // closing
        }
    }
}
