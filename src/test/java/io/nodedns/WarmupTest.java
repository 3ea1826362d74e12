package io.nodedns;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;
import org.xbill.DNS.AAAARecord;
import org.xbill.DNS.ARecord;
import org.xbill.DNS.Message;
import org.xbill.DNS.Rcode;
import org.xbill.DNS.Section;
import org.xbill.DNS.Type;

/** The training run and warm-up: a real pipeline on loopback answers every synthetic query. */
class WarmupTest {
    @Test
    void everyQueryIsAnsweredThroughThePipelineOverUdpAndTcpAndTheEndpointsServe() throws Exception {
        ByteArrayOutputStream log = new ByteArrayOutputStream();
        Warmup.Result r = Warmup.run(400, 40, true, new PrintStream(log, true, StandardCharsets.UTF_8));
        assertEquals(440, r.sent());
        assertEquals(440, r.answered(), log.toString(StandardCharsets.UTF_8));
        // the forward and cache plugins saw traffic: nothing in the log says otherwise
        assertTrue(log.toString(StandardCharsets.UTF_8).lines().noneMatch(l -> l.startsWith("[ERROR]")),
                log.toString(StandardCharsets.UTF_8));
    }

    @Test
    void theDefaultWarmUpSendsItsMinimumAndEndsWithTheJitIdleOrItsBound() throws Exception {
        ByteArrayOutputStream log = new ByteArrayOutputStream();
        long t0 = System.nanoTime();
        Warmup.Result r = Warmup.untilCompiled(new PrintStream(log, true, StandardCharsets.UTF_8));
        // its minimum, unless its bound passed first (a starved machine)
        assertTrue(r.sent() >= Warmup.PRIME_MIN || r.nanos() >= Warmup.PRIME_MAX_NANOS, r.toString());
        assertEquals(r.sent(), r.answered(), log.toString(StandardCharsets.UTF_8));
        // its bound, plus the pipeline's start and stop and the last round
        assertTrue(System.nanoTime() - t0 < Warmup.PRIME_MAX_NANOS + 30_000_000_000L, r.toString());
        assertTrue(log.toString(StandardCharsets.UTF_8).lines().noneMatch(l -> l.startsWith("[ERROR]")),
                log.toString(StandardCharsets.UTF_8));
    }

    @Test
    void queriesToABlackHoleEndAtTheDeadline() throws Exception {
        // a bound socket that never answers: where loopback datagrams are dropped, each window of
        // the default warm-up's first queries would wait out its timeout (384 / 8 x 2 s)
        try (DatagramSocket hole = new DatagramSocket(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0))) {
            long t0 = System.nanoTime();
            int[] r = Warmup.udpQueries(hole.getLocalPort(), 0, Warmup.PRIME_MIN, Warmup::primeQuery,
                    t0 + 300_000_000L);
            long ms = (System.nanoTime() - t0) / 1_000_000;
            assertEquals(0, r[1]);
            assertTrue(r[0] > 0 && r[0] < Warmup.PRIME_MIN, "sent " + r[0]);
            assertTrue(ms < 1500, ms + " ms"); // the deadline, not one 2 s receive timeout per window
        }
    }

    @Test
    void theDefaultWarmUpIsHalfMissesWithDenialsAndAaaa() throws Exception {
        int misses = 0;
        int nx = 0;
        int aaaa = 0;
        for (int i = 0; i < 64; i++) {
            Message q = new Message(Warmup.primeQuery(i));
            String name = q.getQuestion().getName().toString();
            misses += name.startsWith("m") ? 1 : 0;
            nx += name.startsWith("nx") ? 1 : 0;
            aaaa += q.getQuestion().getType() == Type.AAAA ? 1 : 0;
        }
        assertEquals(32, misses);
        assertEquals(8, nx);
        assertEquals(16, aaaa);
    }

    @Test
    void theQueriesMixHitsMissesDenialsAndTheTcpZone() throws Exception {
        int misses = 0;
        int nx = 0;
        int tcpZone = 0;
        int aaaa = 0;
        for (int i = 0; i < 64; i++) {
            Message q = new Message(Warmup.query(i));
            String name = q.getQuestion().getName().toString();
            misses += name.startsWith("m") ? 1 : 0;
            nx += name.startsWith("nx") ? 1 : 0;
            tcpZone += name.endsWith(".tcp.warmup.test.") ? 1 : 0;
            aaaa += q.getQuestion().getType() == Type.AAAA ? 1 : 0;
        }
        assertEquals(16, misses);
        assertEquals(4, nx);
        assertEquals(2, tcpZone);
        assertEquals(8, aaaa);
    }

    @Test
    void theUpstreamAnswersAddressesAndDenialsWithAnSoa() throws Exception {
        byte[] out = new byte[1232];
        Message a = new Message(
                java.util.Arrays.copyOf(out, LoopbackUpstream.answer(Warmup.query(2), Warmup.query(2).length, out)));
        assertEquals(Rcode.NOERROR, a.getRcode());
        assertEquals("127.0.0.1", ((ARecord) a.getSection(Section.ANSWER).get(0)).getAddress().getHostAddress());
        Message aaaa = new Message(
                java.util.Arrays.copyOf(out, LoopbackUpstream.answer(Warmup.query(7), Warmup.query(7).length, out)));
        assertEquals("0:0:0:0:0:0:0:1",
                ((AAAARecord) aaaa.getSection(Section.ANSWER).get(0)).getAddress().getHostAddress());
        Message nx = new Message(
                java.util.Arrays.copyOf(out, LoopbackUpstream.answer(Warmup.query(1), Warmup.query(1).length, out)));
        assertEquals(Rcode.NXDOMAIN, nx.getRcode());
        assertEquals(Type.SOA, nx.getSection(Section.AUTHORITY).get(0).getType());
    }
}
