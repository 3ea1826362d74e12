package io.nodedns.plugin.forward;

import static io.nodedns.plugin.forward.ForwardTesting.eventually;
import static io.nodedns.plugin.forward.ForwardTesting.start;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.nodedns.testing.DnsClient;
import io.nodedns.testing.FakeUpstream;
import io.nodedns.testing.LogCapture;
import io.nodedns.upstream.Upstream;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.xbill.DNS.Message;
import org.xbill.DNS.Rcode;
import org.xbill.DNS.Type;

/** Health checking through the running server (CoreDNS plugin/forward/health.go). */
class ForwardHealthTest {

    /** Drops the first client query, answers everything else (including probes). */
    private static FakeUpstream.Behaviour dropFirst() {
        AtomicInteger seen = new AtomicInteger();
        return (q, out) -> {
            if (q.isProbe() || seen.getAndIncrement() > 0) {
                out.answer();
            }
        };
    }

    /** Ignores client queries; answers probes with an undecodable reply, so every probe fails at once. */
    private static void unhealthy(FakeUpstream up) {
        up.behaviour((q, out) -> {
            if (q.isProbe()) {
                byte[] broken = FakeUpstream.replyTo(q.message(), Rcode.NOERROR).toWire();
                broken[7] = 3; // ANCOUNT 3 with no records
                out.send(broken);
            }
        });
    }

    @Test
    void aFailedQueryTriggersExactlyOneProbeWithRecursionDesired() throws Exception {
        try (FakeUpstream up = FakeUpstream.start().behaviour(dropFirst());
                var s = start(".:PORT {\n forward . " + up.hostPort()
                        + " {\n read_timeout 200ms\n health_check 100ms\n }\n}")) {
            assertEquals(Rcode.NOERROR, s.udp(DnsClient.query("drop.example.org", Type.A)).getRcode());
            assertEquals(1, up.await(FakeUpstream.Query::isProbe, 1, 2000));
            Thread.sleep(300); // several intervals: a healthy reply ends the probe loop
            assertEquals(1, up.probes());
            FakeUpstream.Query probe = up.queries().stream().filter(FakeUpstream.Query::isProbe).findFirst()
                    .orElseThrow();
            assertEquals(".", probe.name());
            assertTrue(probe.rd());
            assertFalse(probe.tcp());
            assertEquals(0, s.forward().table().get()[0].fails());
        }
    }

    @Test
    void noRecDomainAndForceTcpShapeTheProbe() throws Exception {
        try (FakeUpstream up = FakeUpstream.start().behaviour(dropFirst());
                var s = start(".:PORT {\n forward . " + up.hostPort()
                        + " {\n read_timeout 200ms\n health_check 100ms no_rec domain Example.ORG\n force_tcp\n }\n}")) {
            assertEquals(Rcode.NOERROR, s.udp(DnsClient.query("drop.example.org", Type.A)).getRcode());
            assertEquals(1, up.await(FakeUpstream.Query::isProbe, 1, 2000));
            FakeUpstream.Query probe = up.queries().stream().filter(FakeUpstream.Query::isProbe).findFirst()
                    .orElseThrow();
            assertEquals("example.org.", probe.name());
            assertFalse(probe.rd());
            assertTrue(probe.tcp());
        }
    }

    @Test
    void maxFailsMarksDownAfterFailedProbesAndAHealthyProbeBringsItBack() throws Exception {
        try (FakeUpstream up = FakeUpstream.start();
                var s = start(".:PORT {\n forward . " + up.hostPort()
                        + " {\n read_timeout 100ms\n health_check 50ms\n max_fails 2\n }\n}")) {
            unhealthy(up);
            Upstream u = s.forward().table().get()[0];
            assertEquals(Rcode.SERVFAIL, s.udp(DnsClient.query("dead.example.org", Type.A)).getRcode());
            assertTrue(eventually(2000, () -> u.down(2)), "down after 3 failed probes, fails " + u.fails());
            assertTrue(u.healthcheckFailures() >= 3);
            up.behaviour((q, out) -> out.answer());
            assertTrue(eventually(2000, () -> !u.down(2) && !u.probing()), "a good probe resets the counter");
            assertEquals(0, u.fails());
        }
    }

    @Test
    void maxFailsZeroNeverProbes() throws Exception {
        try (FakeUpstream up = FakeUpstream.start();
                var s = start(
                        ".:PORT {\n forward . " + up.hostPort() + " {\n read_timeout 100ms\n max_fails 0\n }\n}")) {
            unhealthy(up);
            for (int i = 0; i < 3; i++) {
                assertEquals(Rcode.SERVFAIL, s.udp(DnsClient.query("n" + i + ".example.org", Type.A)).getRcode());
            }
            Thread.sleep(200);
            assertEquals(0, up.probes());
            // down(0) is false whatever the failures (HealthCheckerTest); what counts here is that the
            // upstream is still asked: healthy again, it answers at once.
            up.behaviour((q, out) -> out.answer());
            assertEquals(Rcode.NOERROR, s.udp(DnsClient.query("back.example.org", Type.A)).getRcode());
        }
    }

    /**
     * Breaks both upstreams' health checks, asks once (SERVFAIL, which starts the checks) and waits
     * until forward has both down; the client queries they had by then.
     */
    private static int bothDown(ForwardTesting.Running s, FakeUpstream a, FakeUpstream b) throws Exception {
        unhealthy(a);
        unhealthy(b);
        assertEquals(Rcode.SERVFAIL, s.udp(DnsClient.query("first.example.org", Type.A)).getRcode());
        Upstream[] ups = s.forward().table().get();
        assertTrue(eventually(2000, () -> ups[0].down(1) && ups[1].down(1)));
        return a.clientQueries() + b.clientQueries();
    }

    @Test
    void allDownWithFailfastGivesServfailWithoutSendingAnything() throws Exception {
        try (FakeUpstream a = FakeUpstream.start();
                FakeUpstream b = FakeUpstream.start();
                LogCapture log = new LogCapture();
                var s = start(".:PORT {\n errors\n forward . " + a.hostPort() + " " + b.hostPort()
                        + " {\n read_timeout 100ms\n health_check 50ms\n max_fails 1\n failfast_all_unhealthy_upstreams\n }\n}")) {
            int before = bothDown(s, a, b);
            long t0 = System.nanoTime();
            assertEquals(Rcode.SERVFAIL, s.udp(DnsClient.query("second.example.org", Type.A)).getRcode());
            assertTrue((System.nanoTime() - t0) / 1_000_000 < 100, "at once");
            assertEquals(before, a.clientQueries() + b.clientQueries(), "no query sent");
            assertTrue(s.forward().healthcheckBroken.sum() >= 1);
            assertNotNull(log.await("second.example.org. A: no healthy proxies", 2000), String.join("\n", log.lines()));
        }
    }

    @Test
    void allDownWithoutFailfastStillTriesOne() throws Exception {
        try (FakeUpstream a = FakeUpstream.start();
                FakeUpstream b = FakeUpstream.start();
                var s = start(".:PORT {\n forward . " + a.hostPort() + " " + b.hostPort()
                        + " {\n read_timeout 100ms\n health_check 50ms\n max_fails 1\n }\n}")) {
            int before = bothDown(s, a, b);
            s.udp(DnsClient.query("second.example.org", Type.A));
            assertTrue(a.clientQueries() + b.clientQueries() > before, "a random upstream is tried anyway");
            assertTrue(s.forward().healthcheckBroken.sum() >= 1);
        }
    }

    @Test
    void aDownUpstreamIsSkippedAndQueriesKeepSucceeding() throws Exception {
        try (FakeUpstream bad = FakeUpstream.start();
                FakeUpstream good = FakeUpstream.start();
                var s = start(".:PORT {\n forward . " + bad.hostPort() + " " + good.hostPort()
                        + " {\n policy sequential\n read_timeout 150ms\n health_check 50ms\n max_fails 1\n }\n}")) {
            unhealthy(bad);
            Upstream badUp = s.forward().table().get()[0];
            for (int i = 0; i < 20; i++) {
                Message r = s.udp(DnsClient.query("q" + i + ".example.org", Type.A));
                assertEquals(Rcode.NOERROR, r.getRcode(), "query " + i);
            }
            assertTrue(eventually(1000, () -> badUp.down(1)));
            int badBefore = bad.clientQueries();
            long t0 = System.nanoTime();
            for (int i = 0; i < 10; i++) {
                assertEquals(Rcode.NOERROR, s.udp(DnsClient.query("after" + i + ".example.org", Type.A)).getRcode());
            }
            assertTrue((System.nanoTime() - t0) / 1_000_000 < 500, "no timeouts once the bad one is down");
            assertEquals(badBefore, bad.clientQueries());
        }
    }
}
