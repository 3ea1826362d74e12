package io.nodedns.upstream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.nodedns.testing.FakeUpstream;
import io.nodedns.testing.LoopAllocations;
import java.time.Duration;
import java.util.concurrent.locks.LockSupport;
import org.junit.jupiter.api.Test;
import org.xbill.DNS.Rcode;

/** Probes (CoreDNS plugin/forward/health.go): what they send, what counts as healthy, when the loop stops. */
class HealthCheckerTest {
    private static HealthChecker checker(boolean rd, String domain, boolean tcp, int maxFails) {
        return new HealthChecker(Duration.ofMillis(50), rd, domain, tcp, maxFails, null);
    }

    @Test
    void probeIsAnNsQueryOverUdpWithRdByDefault() throws Exception {
        try (FakeUpstream up = FakeUpstream.start()) {
            Upstream u = new Upstream(up.address(), ConnOptions.defaults());
            assertTrue(checker(true, ".", false, 2).probe(u));
            FakeUpstream.Query q = up.queries().getFirst();
            assertTrue(q.isProbe());
            assertEquals(".", q.name());
            assertTrue(q.rd());
            assertFalse(q.tcp());
        }
    }

    @Test
    void noRecDomainAndTcp() throws Exception {
        try (FakeUpstream up = FakeUpstream.start()) {
            Upstream u = new Upstream(up.address(), ConnOptions.defaults());
            assertTrue(checker(false, "example.org.", true, 2).probe(u));
            FakeUpstream.Query q = up.queries().getFirst();
            assertEquals("example.org.", q.name());
            assertFalse(q.rd());
            assertTrue(q.tcp());
            assertEquals(0, u.tcp().idleCount(), "probe connections are not cached");
        }
    }

    @Test
    void anyDecodableReplyIsHealthyJunkOrSilenceIsNot() throws Exception {
        try (FakeUpstream up = FakeUpstream.start()) {
            Upstream u = new Upstream(up.address(), ConnOptions.defaults());
            HealthChecker hc = checker(true, ".", false, 2);
            up.reply(q -> FakeUpstream.replyTo(q, Rcode.SERVFAIL));
            assertTrue(hc.probe(u), "SERVFAIL counts as healthy");
            up.reply(q -> FakeUpstream.replyTo(q, Rcode.REFUSED));
            assertTrue(hc.probe(u));
            up.behaviour((q, out) -> {
                byte[] b = FakeUpstream.replyTo(q.message(), 0).toWire();
                b[7] = 2; // two answers that are not there
                out.send(b);
            });
            assertFalse(hc.probe(u));
            up.behaviour((q, out) -> {});
            long t0 = System.nanoTime();
            assertFalse(hc.probe(u));
            long ms = (System.nanoTime() - t0) / 1_000_000;
            assertTrue(ms >= 900 && ms < 1500, "1 s probe timeout, took " + ms);
        }
    }

    @Test
    void triggerProbesUntilHealthyAndOnlyOneLoopRuns() throws Exception {
        try (FakeUpstream up = FakeUpstream.start()) {
            Upstream u = new Upstream(up.address(), ConnOptions.defaults());
            HealthChecker hc = checker(true, ".", false, 1);
            up.behaviour((q, out) -> {
                if (up.probes() > 3) {
                    out.answer();
                } else {
                    byte[] b = FakeUpstream.replyTo(q.message(), 0).toWire();
                    b[7] = 1;
                    out.send(b);
                }
            });
            hc.trigger(u);
            hc.trigger(u);
            hc.trigger(u);
            long deadline = System.nanoTime() + 3_000_000_000L;
            while ((u.probing() || up.probes() < 4) && System.nanoTime() < deadline) {
                Thread.sleep(5);
            }
            assertFalse(u.probing());
            assertEquals(4, up.probes(), "three failures then one success, one loop");
            assertEquals(0, u.fails());
            assertEquals(3, u.healthcheckFailures());
        }
    }

    /**
     * trigger runs on UDP loops (a timed-out attempt): it hands the upstream over and allocates
     * nothing. Measured as the loop's allocation tests are (LoopAllocations: C2's string constants
     * resolved first, warm-up windows, then every window clean), each trigger after the previous
     * probe loop ended, so each starts one.
     */
    @Test
    void triggerAllocatesNothingOnTheCallingThread() throws Exception {
        try (FakeUpstream up = FakeUpstream.start()) {
            Upstream u = new Upstream(up.address(), ConnOptions.defaults());
            HealthChecker hc = checker(true, ".", false, 2);
            int perWindow = 50;
            LoopAllocations.Result r = LoopAllocations.measure(Thread.currentThread().threadId(),
                    new LoopAllocations.Kind("trigger", perWindow, () -> {
                        for (int i = 0; i < perWindow; i++) {
                            awaitProbeLoopEnd(u);
                            hc.trigger(u);
                        }
                        return 0;
                    }));
            r.assertNothingAllocated();
            awaitProbeLoopEnd(u);
            assertTrue(up.probes() >= perWindow * r.windows().size(),
                    "every trigger started a probe loop: " + up.probes());
        }
    }

    private static void awaitProbeLoopEnd(Upstream u) {
        long deadline = System.nanoTime() + 3_000_000_000L;
        while (u.probing() && System.nanoTime() < deadline) {
            LockSupport.parkNanos(100_000);
        }
        assertFalse(u.probing(), "each probe loop ends on the fake's answer");
    }

    @Test
    void maxFailsZeroNeverProbes() throws Exception {
        try (FakeUpstream up = FakeUpstream.start()) {
            Upstream u = new Upstream(up.address(), ConnOptions.defaults());
            HealthChecker hc = checker(true, ".", false, 0);
            assertFalse(hc.enabled());
            hc.trigger(u);
            Thread.sleep(100);
            assertEquals(0, up.probes());
            assertFalse(u.probing());
        }
    }

    @Test
    void stopEndsTheLoop() throws Exception {
        try (FakeUpstream up = FakeUpstream.start()) {
            up.behaviour((q, out) -> {
                byte[] b = FakeUpstream.replyTo(q.message(), 0).toWire();
                b[7] = 1;
                out.send(b);
            });
            Upstream u = new Upstream(up.address(), ConnOptions.defaults());
            HealthChecker hc = checker(true, ".", false, 1);
            hc.trigger(u);
            Thread.sleep(120);
            hc.stop();
            long deadline = System.nanoTime() + 1_000_000_000L;
            while (u.probing() && System.nanoTime() < deadline) {
                Thread.sleep(5);
            }
            assertFalse(u.probing());
            int probes = up.probes();
            Thread.sleep(150);
            assertEquals(probes, up.probes());
        }
    }

    @Test
    void failedProbesPastMaxFailsMarkDownButMaxFailsZeroNeverDoes() throws Exception {
        try (FakeUpstream up = FakeUpstream.start()) {
            Upstream u = new Upstream(up.address(), ConnOptions.defaults());
            for (int i = 0; i < 2; i++) {
                u.probeFailed();
            }
            assertFalse(u.down(2), "two failures are not more than max_fails 2");
            u.probeFailed();
            assertTrue(u.down(2), "three failures are");
            assertFalse(u.down(0), "max_fails 0 never marks an upstream down");
            u.probeSucceeded();
            assertFalse(u.down(2), "a good probe brings it back");
        }
    }
}
