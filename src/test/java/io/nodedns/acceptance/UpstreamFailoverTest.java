package io.nodedns.acceptance;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.nodedns.plugin.forward.ForwardHandler;
import io.nodedns.server.Handler;
import io.nodedns.testing.FreePorts;
import io.nodedns.testing.OpenLoopLoad;
import io.nodedns.testing.TestServer;
import io.nodedns.upstream.Upstream;
import java.net.InetSocketAddress;
import java.util.concurrent.locks.LockSupport;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Issue 3, failover under load: 5,000 qps of unique names (open loop, so a stalled server cannot
 * slow the load down) through {@code forward} to two loopback upstreams, one of which dies at
 * t≈2 s and comes back on the same port at t≈5 s (or 1 s after it was marked down, if later).
 *
 * <p>Definitions. A query <em>fails</em> if no reply with its ID arrives within 2 s of its send
 * time, or the reply's rcode is not NOERROR. B is <em>marked down</em> at the first instant after
 * the kill at which {@code Upstream.down(max_fails)} — the very check the forwarder makes before
 * each attempt — is true, polled every millisecond from the live {@link ForwardHandler}'s table.
 */
class UpstreamFailoverTest {
    private static final int RATE = 5000;
    private static final long MS = 1_000_000L;
    private static final long CLIENT_TIMEOUT = 2000 * MS;
    private static final int SOCKETS = 4;
    private static final int MAX_QUERIES = RATE * 16; // hard bound on one run: at most 16 s of load
    private static final int MAX_FAILS = 2;

    /** The upstream is closed: its port answers ICMP port unreachable. */
    @Test
    @Timeout(60)
    void closedPortUpstream() throws Exception {
        Result r = run(LoopbackUpstream.Fault.CLOSED, "");
        // Failures can come only from datagrams B had taken in (or that were in flight) when it
        // died, and from datagrams whose ICMP error the kernel rate-limited (1000/s) before B was
        // marked down; both are a small share of one second of B's half of the load.
        assertTrue(r.failedPct < 1.0, r.summary);
    }

    /**
     * The upstream silently drops everything, probes included. read_timeout 500ms so that a retry
     * on A still fits in the client's 2 s; with the default 2 s every query B took before being
     * marked down would reach the client just after 2 s, which this definition counts as failed.
     */
    @Test
    @Timeout(60)
    void silentUpstream() throws Exception {
        Result r = run(LoopbackUpstream.Fault.SILENT, "read_timeout 500ms");
        assertTrue(r.failedPct < 1.0, r.summary);
        // Corroborates the down definition: no client query reached B while it was down (50 ms
        // grace for datagrams already on their way when the flag flipped).
        assertEquals(0, r.realAtBWhileDown, "client queries reached B while it was marked down\n" + r.summary);
    }

    record Result(double failedPct, long realAtBWhileDown, String summary) {
    }

    private Result run(LoopbackUpstream.Fault fault, String extra) throws Exception {
        try (LoopbackUpstream a = LoopbackUpstream.start(); LoopbackUpstream b = LoopbackUpstream.start()) {
            int port = FreePorts.udpAndTcp();
            String corefile = ".:" + port + " {\n bind 127.0.0.1\n forward . " + a.hostPort() + " " + b.hostPort()
                    + " {\n max_fails " + MAX_FAILS + "\n health_check 0.5s\n " + extra + "\n }\n}\n";
            try (TestServer server = TestServer.fromText(corefile)) {
                Upstream upB = upstream(server, b.port());
                OpenLoopLoad load = new OpenLoopLoad(port, RATE, MAX_QUERIES, SOCKETS, CLIENT_TIMEOUT, "failover.test");
                load.warmUp(200);
                Monitor monitor = new Monitor(upB);
                long t0 = System.nanoTime() + 50 * MS;
                load.start(t0);
                monitor.start();

                sleepUntil(t0 + 2000 * MS);
                long killAt = System.nanoTime();
                monitor.killAt = killAt;
                b.fail(fault);
                // Revive at t≈5 s, but never before B was marked down (+1 s): a silent upstream
                // needs one read timeout and max_fails+1 one-second probes to be marked down.
                long downDeadline = t0 + 12_000 * MS;
                while (monitor.downAt == 0 && System.nanoTime() < downDeadline) {
                    Thread.sleep(1);
                }
                long downAt = monitor.downAt;
                sleepUntil(Math.max(t0 + 5000 * MS, (downAt == 0 ? downDeadline : downAt) + 1000 * MS));
                long realBeforeRevive = b.realQueries();
                long reviveAt = System.nanoTime();
                b.revive();
                load.endAt = reviveAt + 3000 * MS;
                load.finish();
                monitor.stop();

                // ---- analysis ----
                int sent = load.sent;
                int failed = 0, failedAfterDown = 0, failedBeforeKill = 0;
                long worstLag = load.maxLag;
                for (int i = 0; i < sent; i++) {
                    long s = load.sentAt[i];
                    if (load.failed(i)) {
                        failed++;
                        if (s < killAt) {
                            failedBeforeKill++;
                        }
                        if (downAt != 0 && s >= downAt) {
                            failedAfterDown++;
                        }
                    }
                }
                long firstReal = b.firstRealAfterRevive();
                long realWhileDown = downAt == 0 ? -1 : b.realQueriesBetween(downAt + 50 * MS, reviveAt);
                double pct = 100.0 * failed / Math.max(1, sent);
                String summary = String.format(
                        "failover[%s]: sent %d in %.2f s (%.0f qps, worst sender lag %.1f ms), failed %d (%.3f %%),"
                                + " failed before kill %d, kill->marked-down %s, failed after marked-down %d,"
                                + " B real queries while down %d (total before revival %d), B probes %d,"
                                + " revival->first real query at B %s, B up again %s after revival, A real %d, B real %d%n",
                        fault, sent, (load.lastSend - t0) / 1e9, sent / ((load.lastSend - t0) / 1e9), worstLag / 1e6,
                        failed, pct, failedBeforeKill, downAt == 0 ? "never" : ms(downAt - killAt), failedAfterDown,
                        realWhileDown, realBeforeRevive, b.probes(),
                        firstReal == 0 ? "never" : ms(firstReal - reviveAt),
                        monitor.upAt == 0 ? "never" : ms(monitor.upAt - reviveAt), a.realQueries(), b.realQueries());
                System.out.printf("%s", summary);

                assertTrue(downAt != 0, "B was never marked down\n" + summary);
                assertEquals(0, failedBeforeKill, "failures with both upstreams healthy\n" + summary);
                assertEquals(0, failedAfterDown, "queries sent after B was marked down failed\n" + summary);
                assertTrue(firstReal != 0 && firstReal - reviveAt <= 2000 * MS,
                        "B got no client query within 2 s of coming back\n" + summary);
                return new Result(pct, realWhileDown, summary);
            }
        }
    }

    private static String ms(long nanos) {
        return String.format("%.1f ms", nanos / 1e6);
    }

    private static void sleepUntil(long deadline) throws InterruptedException {
        long left;
        while ((left = deadline - System.nanoTime()) > 0) {
            Thread.sleep(Math.max(1, left / MS));
        }
    }

    /** B's Upstream object in the running forwarder (the same object the query path consults). */
    private static Upstream upstream(TestServer server, int port) {
        for (Handler h : server.server().current().configs().getFirst().handlers()) {
            if (h instanceof ForwardHandler f) {
                for (Upstream u : f.table().get()) {
                    if (u.address().getPort() == port) {
                        return u;
                    }
                }
            }
        }
        throw new AssertionError("no upstream on port " + port);
    }

    /** Polls B's down state every millisecond: first down after the kill, first up after that. */
    private static final class Monitor {
        final Upstream upstream;
        volatile long killAt;
        volatile long downAt;
        volatile long upAt;
        volatile boolean running = true;
        Thread thread;

        Monitor(Upstream upstream) {
            this.upstream = upstream;
        }

        void start() {
            thread = Thread.ofPlatform().daemon().name("failover-monitor").start(() -> {
                while (running) {
                    boolean down = upstream.down(MAX_FAILS);
                    long now = System.nanoTime();
                    if (killAt != 0 && downAt == 0 && down) {
                        downAt = now;
                    } else if (downAt != 0 && upAt == 0 && !down) {
                        upAt = now;
                    }
                    LockSupport.parkNanos(MS);
                }
            });
        }

        void stop() throws InterruptedException {
            running = false;
            thread.join();
        }
    }
}
