package io.nodedns.plugin.autopath;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.nodedns.server.SelfLookup;
import io.nodedns.testing.DnsClient;
import io.nodedns.testing.FakeUpstream;
import io.nodedns.testing.FreePorts;
import io.nodedns.testing.MetricValues;
import io.nodedns.testing.TestServer;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetSocketAddress;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.xbill.DNS.Message;
import org.xbill.DNS.Rcode;
import org.xbill.DNS.Type;

/**
 * A flood of names below the first search domain while the upstream is silent: each walk waits for
 * forward's deadline (5 s). Without a bound every query held a virtual thread, its nested exchange,
 * forward's 64 KiB reply array and a socket for those 5 s, without limit. Now at most
 * {@link SelfLookup#limit()} walks run at once; the rest are answered SERVFAIL at once and counted
 * ({@code nodedns_self_lookup_shed_total{plugin="autopath"}}), and once the upstream answers again so
 * does autopath.
 */
class AutopathFloodTest {
    /** Replies sooner than this after their query cannot come from a walk: forward's first attempt lasts 2 s. */
    private static final long PROMPT_NANOS = 1_500_000_000L;

    @TempDir
    Path dir;

    @Test
    @Timeout(120)
    void aFloodAgainstASilentUpstreamHoldsAtMostTheLimitAndShedsTheRestAtOnce() throws Exception {
        int limit = SelfLookup.limit();
        int flood = limit + 300;
        Path resolv = Files.writeString(dir.resolve("resolv.conf"), "search example.org example.com com\n");
        int port = FreePorts.udpAndTcp();
        int metrics = FreePorts.udpAndTcp();
        try (FakeUpstream upstream = FakeUpstream.start();
                TestServer server = TestServer.fromText(
                        ".:%d {\n bind 127.0.0.1\n prometheus 127.0.0.1:%d\n autopath %s\n forward . %s\n}\n"
                                .formatted(port, metrics, resolv, upstream.hostPort()));
                DnsClient probe = new DnsClient(port);
                DatagramSocket client = new DatagramSocket(new InetSocketAddress("127.0.0.1", 0))) {
            long quiet = System.nanoTime() + 10_000_000_000L; // another test's lookups may still wait (5 s at most)
            while (SelfLookup.inFlight() > 0 && System.nanoTime() < quiet) {
                Thread.sleep(50);
            }
            assertEquals(0, SelfLookup.inFlight(), "no lookup left over from another test");
            double shedBefore = shed();
            upstream.behaviour((q, out) -> {}); // reads every query, answers none
            client.connect(new InetSocketAddress("127.0.0.1", port));
            AtomicInteger peak = new AtomicInteger();
            AtomicBoolean sampling = new AtomicBoolean(true);
            Thread sampler = Thread.ofPlatform().daemon().start(() -> {
                while (sampling.get()) {
                    peak.accumulateAndGet(SelfLookup.inFlight(), Math::max);
                    LockSupport.parkNanos(200_000);
                }
            });
            long[] sent = new long[flood];
            long[] answered = new long[flood];
            int[] rcodes = new int[flood];
            Thread receiver = Thread.ofPlatform().daemon().start(() -> receive(client, answered, rcodes, flood));
            for (int i = 0; i < flood; i++) {
                Message q = DnsClient.query("f" + i + ".example.org", Type.A);
                q.getHeader().setID(i);
                byte[] wire = q.toWire();
                sent[i] = System.nanoTime();
                client.send(new DatagramPacket(wire, wire.length));
                if (i % 50 == 49) {
                    Thread.sleep(5); // paced: no datagram lost in the server's receive buffer
                }
            }
            receiver.join(30_000); // until every walk has ended (forward's 5 s deadline)
            int prompt = 0;
            int later = 0;
            for (int i = 0; i < flood; i++) {
                if (answered[i] == 0) {
                    continue; // lost on the way (the limit below allows a few)
                }
                assertEquals(Rcode.SERVFAIL, rcodes[i], "a shed query and a walk to a silent upstream");
                if (answered[i] - sent[i] < PROMPT_NANOS) {
                    prompt++;
                } else {
                    later++;
                }
            }
            sampling.set(false);
            sampler.join();
            double shed = shed() - shedBefore;
            System.out.printf("limit %d, flood %d: peak in flight %d, %d SERVFAIL at once, %d after the walk,"
                    + " %.0f counted shed%n", limit, flood, peak.get(), prompt, later, shed);
            assertEquals(limit, peak.get(), "the walks in flight reached the limit and never passed it");
            assertTrue(later <= limit, later + " walks answered after waiting: at most the limit ran");
            assertTrue(prompt >= flood - limit - 10,
                    prompt + " of the " + (flood - limit) + " excess answered at once");
            assertEquals(prompt, (int) shed, "each query answered at once was shed and counted");
            String scrape = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                    URI.create("http://127.0.0.1:" + metrics + "/metrics")).build(),
                    HttpResponse.BodyHandlers.ofString()).body();
            assertTrue(scrape.contains("nodedns_self_lookup_shed_total{plugin=\"autopath\"} " + (long) shed()), scrape);
            assertTrue(scrape.contains("nodedns_self_lookups{state=\"limit\"} " + limit), scrape);

            upstream.behaviour((q, out) -> out.answer()); // the upstream is back
            long deadline = System.nanoTime() + 15_000_000_000L;
            Message m;
            do {
                m = probe.udp(DnsClient.query("b.example.org.", Type.A));
            } while ((m == null || m.getRcode() != Rcode.NOERROR) && System.nanoTime() < deadline);
            assertNotNull(m);
            assertEquals(Rcode.NOERROR, m.getRcode(), "autopath answers after the flood: " + m);
            // a place is given back after the reply is sent, and an earlier probe's walk may still run
            while (SelfLookup.inFlight() > 0 && System.nanoTime() < deadline + 5_000_000_000L) {
                Thread.sleep(10);
            }
            assertEquals(0, SelfLookup.inFlight(), "every place given back");
        }
    }

    /** {@code nodedns_self_lookup_shed_total{plugin="autopath"}}: 0 before autopath first shed. */
    private static double shed() {
        try {
            return MetricValues.of(List.of(SelfLookup.metrics())).value("nodedns_self_lookup_shed", "plugin",
                    "autopath");
        } catch (AssertionError none) {
            return 0;
        }
    }

    /** Records when each reply came (by ID) until all came or nothing came for 2 s with no walk left. */
    private static void receive(DatagramSocket client, long[] answered, int[] rcodes, int expected) {
        byte[] in = new byte[4096];
        int got = 0;
        try {
            client.setSoTimeout(2000);
            while (got < expected) {
                DatagramPacket p = new DatagramPacket(in, in.length);
                try {
                    client.receive(p);
                } catch (SocketTimeoutException e) {
                    if (SelfLookup.inFlight() == 0) {
                        return;
                    }
                    continue;
                }
                long now = System.nanoTime();
                Message reply = new Message(Arrays.copyOf(in, p.getLength()));
                int id = reply.getHeader().getID();
                answered[id] = now;
                rcodes[id] = reply.getRcode();
                got++;
            }
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
}
