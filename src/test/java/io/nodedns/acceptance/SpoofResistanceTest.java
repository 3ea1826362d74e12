package io.nodedns.acceptance;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.nodedns.plugin.forward.ForwardHandler;
import io.nodedns.plugin.forward.ForwardMetrics;
import io.nodedns.server.Handler;
import io.nodedns.testing.DnsClient;
import io.nodedns.testing.FakeUpstream;
import io.nodedns.testing.FreePorts;
import io.nodedns.testing.MetricValues;
import io.nodedns.testing.TestServer;
import java.net.InetAddress;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.xbill.DNS.ARecord;
import org.xbill.DNS.DClass;
import org.xbill.DNS.Message;
import org.xbill.DNS.Rcode;
import org.xbill.DNS.Section;
import org.xbill.DNS.Type;

/**
 * Issue 9, RFC 5452: the spread of upstream query IDs and source ports, and a blind spoofer that
 * fires over a million forged replies, from the upstream's own address and port, at guessed
 * destination ports and IDs while queries are pending: none may be accepted or cached.
 */
class SpoofResistanceTest {
    static final int FIRST_EPHEMERAL = 32768;
    static final int LAST_EPHEMERAL = 60999;

    static ForwardHandler forward(TestServer server) {
        for (Handler h : server.server().current().configs().getFirst().handlers()) {
            if (h instanceof ForwardHandler f) {
                return f;
            }
        }
        throw new AssertionError("no forward handler");
    }

    /** nodedns_forward_mismatched_replies as the metrics plugin reads it. */
    private static long mismatched(ForwardHandler fwd) {
        return (long) MetricValues.of(List.of(new ForwardMetrics(fwd))).value("nodedns_forward_mismatched_replies");
    }

    @Test
    @Timeout(60)
    void upstreamIdsAndSourcePortsAreSpread() throws Exception {
        int n = 4000;
        try (FakeUpstream up = FakeUpstream.start()) {
            int port = FreePorts.udpAndTcp();
            try (TestServer server = TestServer
                    .fromText(".:" + port + " {\n bind 127.0.0.1\n forward . " + up.hostPort() + "\n}\n");
                    DnsClient client = new DnsClient(port)) {
                for (int i = 0; i < n; i++) {
                    assertNotNull(client.udp(DnsClient.query("s" + i + ".spread.test.", Type.A)));
                }
            }
            Set<Integer> ids = new HashSet<>();
            Map<Integer, Integer> ports = new HashMap<>();
            int[] buckets = new int[16];
            int total = 0;
            for (FakeUpstream.Query q : up.queries()) {
                if (q.isProbe() || q.tcp()) {
                    continue;
                }
                total++;
                ids.add(q.id());
                buckets[q.id() >>> 12]++;
                ports.merge(q.from().getPort(), 1, Integer::sum);
            }
            double expected = total / 16.0;
            double chi2 = 0;
            for (int b : buckets) {
                chi2 += (b - expected) * (b - expected) / expected;
            }
            // distinct IDs expected for n uniform draws from 65536: 65536 * (1 - (1 - 1/65536)^n)
            double expectedDistinct = 65536 * (1 - Math.pow(1 - 1 / 65536.0, total));
            int minShare = ports.values().stream().mapToInt(Integer::intValue).min().orElse(0);
            System.out.printf("[TEST] upstream IDs: %d queries, %d distinct IDs (%.0f expected if uniform),"
                    + " chi-square over 16 buckets %.1f (df 15; p=1e-6 at 56.5); source ports %s%n",
                    total, ids.size(), expectedDistinct, chi2, ports);
            assertEquals(n, total);
            assertTrue(ids.size() > expectedDistinct - 60, "IDs repeat more than uniform draws would");
            // p = 1e-6: a uniform generator fails this once in a million runs, a biased one every time
            assertTrue(chi2 < 56.5, "ID distribution is not uniform: chi2 " + chi2);
            assertTrue(ports.size() >= 4, "a pool of source ports: " + ports);
            for (int p : ports.keySet()) {
                assertTrue(p >= FIRST_EPHEMERAL && p <= LAST_EPHEMERAL, "kernel-chosen ephemeral port " + p);
            }
            assertTrue(minShare > total / ports.size() / 2, "queries are spread over the pool: " + ports);
        }
    }

    record Pending(FakeUpstream.Query query, FakeUpstream.Replies replies) {
    }

    /** The genuine answer, 1.2.3.4, from the upstream's own socket. */
    static void sendTruth(Pending p) throws Exception {
        Message truth = FakeUpstream.replyTo(p.query().message(), Rcode.NOERROR);
        truth.addRecord(new ARecord(p.query().message().getQuestion().getName(), DClass.IN, 300,
                InetAddress.getByName("1.2.3.4")), Section.ANSWER);
        p.replies().send(truth);
    }

    /** The next held query for NAME; retries of earlier rounds' names are skipped. */
    static Pending nextFor(BlockingQueue<Pending> pending, String name) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        for (long left = deadline - System.nanoTime(); left > 0; left = deadline - System.nanoTime()) {
            Pending p = pending.poll(left, TimeUnit.NANOSECONDS);
            if (p != null && p.query().name().equalsIgnoreCase(name)) {
                return p;
            }
        }
        return null;
    }

    @Test
    @Timeout(180)
    void aBlindSpooferGetsNoneOfAMillionForgedRepliesAcceptedOrCached() throws Exception {
        int maxRounds = 80;
        int perRound = 110_000;
        long target = 1_100_000;
        long roundBudget = 800_000_000L; // keep each query pending well under the client's 3 s
        BlockingQueue<Pending> pending = new LinkedBlockingQueue<>();
        try (FakeUpstream up = FakeUpstream.start()) {
            up.behaviour((q, out) -> {
                if (q.isProbe()) {
                    out.answer();
                } else {
                    pending.add(new Pending(q, out)); // held back while the spoofer fires
                }
            });
            int port = FreePorts.udpAndTcp();
            try (TestServer server = TestServer.fromText(".:" + port + " {\n bind 127.0.0.1\n cache\n forward . "
                    + up.hostPort() + " {\n  max_fails 0\n }\n}\n")) {
                ForwardHandler fwd = forward(server);
                SplittableRandom random = new SplittableRandom();
                Set<Integer> ourPorts = new HashSet<>();
                long forged = 0;
                long forgedAtOurPorts = 0;
                long start = System.nanoTime();
                try (DnsClient client = new DnsClient(port)) {
                    int rounds = 0;
                    for (int r = 0; r < maxRounds && forged < target; r++) {
                        rounds++;
                        String name = "victim" + r + ".spoof.test.";
                        Message query = DnsClient.query(name, Type.A);
                        var answer = java.util.concurrent.CompletableFuture.supplyAsync(() -> {
                            try {
                                return client.udp(query);
                            } catch (java.io.IOException e) {
                                throw new RuntimeException(e);
                            }
                        });
                        Pending p = nextFor(pending, name);
                        assertNotNull(p, "the query reached the upstream");
                        ourPorts.add(p.query().from().getPort()); // test-side knowledge only, for the figures
                        Message lie = FakeUpstream.replyTo(p.query().message(), Rcode.NOERROR);
                        lie.addRecord(new ARecord(p.query().message().getQuestion().getName(), DClass.IN, 3600,
                                InetAddress.getByName("6.6.6.6")), Section.ANSWER);
                        byte[] wire = lie.toWire();
                        long roundStart = System.nanoTime();
                        for (int i = 0; i < perRound; i++) {
                            if ((i & 1023) == 0 && System.nanoTime() - roundStart > roundBudget) {
                                break; // a loaded machine sends fewer per round, and does more rounds
                            }
                            int guessPort = FIRST_EPHEMERAL + random.nextInt(LAST_EPHEMERAL - FIRST_EPHEMERAL + 1);
                            int guessId = random.nextInt(0x10000);
                            wire[0] = (byte) (guessId >>> 8);
                            wire[1] = (byte) guessId;
                            p.replies().sendToPort(guessPort, wire);
                            forged++;
                            if (ourPorts.contains(guessPort)) {
                                forgedAtOurPorts++;
                            }
                        }
                        sendTruth(p);
                        // On a starved machine the forwarder may have retried (new ID, new port) while
                        // the spoofer ran: the retry gets the truth too, or the client would wait in vain.
                        for (Pending retry = pending.poll(); retry != null; retry = pending.poll()) {
                            if (retry.query().name().equalsIgnoreCase(name)) {
                                sendTruth(retry);
                            }
                        }
                        Message got = answer.get(10, TimeUnit.SECONDS);
                        assertNotNull(got, "round " + r + ": the genuine reply arrives");
                        assertEquals("1.2.3.4", ((ARecord) got.getSection(Section.ANSWER).getFirst()).getAddress()
                                .getHostAddress(),
                                "round " + r + ": client query id " + query.getHeader().getID()
                                        + " upstream query id " + p.query().id() + " from " + p.query().from()
                                        + " ourPorts "
                                        + ourPorts + " client local " + client + " mismatched "
                                        + mismatched(fwd)
                                        + " forged so far " + forged + " at our ports " + forgedAtOurPorts + ": "
                                        + got);
                        assertEquals(1, got.getSection(Section.ANSWER).size(), got.toString());
                    }
                    double seconds = (System.nanoTime() - start) / 1e9;
                    // A retry the forwarder sent on a starved machine may still be on its way to the
                    // upstream: count from a quiet upstream, so only queries asked below are counted.
                    int upstreamBefore = up.clientQueries();
                    for (int quiet = 0; quiet < 3;) {
                        Thread.sleep(100);
                        int now = up.clientQueries();
                        quiet = now == upstreamBefore ? quiet + 1 : 0;
                        upstreamBefore = now;
                    }
                    for (int r = 0; r < rounds; r++) { // the cache holds the truth, not a lie
                        Message again = client.udp(DnsClient.query("victim" + r + ".spoof.test.", Type.A));
                        assertEquals("1.2.3.4", ((ARecord) again.getSection(Section.ANSWER).getFirst()).getAddress()
                                .getHostAddress());
                    }
                    assertEquals(upstreamBefore, up.clientQueries(), "answered from the cache");
                    System.out.printf("[TEST] blind spoof: %d forged replies in %.1f s (%.0f/s) at guessed ports %d-%d"
                            + " and IDs; %d aimed at a port the forwarder really used; forwarder dropped %d mismatched;"
                            + " accepted 0, cached 0 (%d rounds, all genuine answers)%n", forged, seconds,
                            forged / seconds, FIRST_EPHEMERAL, LAST_EPHEMERAL, forgedAtOurPorts,
                            mismatched(fwd), rounds);
                    assertTrue(forged >= 1_000_000, "at least 1M forged replies: " + forged);
                }
            }
        }
    }
}
