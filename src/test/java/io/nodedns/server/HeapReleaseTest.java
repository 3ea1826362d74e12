package io.nodedns.server;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.nodedns.testing.DnsClient;
import io.nodedns.testing.FreePorts;
import io.nodedns.testing.TestServer;
import java.util.function.LongSupplier;
import org.junit.jupiter.api.Test;
import org.xbill.DNS.Rcode;
import org.xbill.DNS.Type;

/**
 * HeapRelease's check on a fake heap, query count, GC sentinel and clock: when it runs its full GC;
 * and the count a server gives it.
 */
class HeapReleaseTest {
    private static final long MIB = 1L << 20;
    private static final long PERIOD = HeapRelease.CHECK_PERIOD.toNanos();

    /** A heap whose full GC leaves {@code live} committed; counts the full GCs. */
    private static final class Fake {
        long committed = 20 * MIB;
        long live = 20 * MIB;
        long queries;
        /** The count the check reads: {@link #queries}, or a running server's. */
        LongSupplier counted = () -> queries;
        boolean collected;
        long nanos;
        int fullGcs;
        final HeapRelease release = new HeapRelease(() -> committed, () -> counted.getAsLong(), this::collected,
                () -> nanos,
                () -> {
                    fullGcs++;
                    committed = live;
                    collected = true;
                });

        private boolean collected() {
            boolean c = collected;
            collected = false;
            return c;
        }

        /** One period passes with {@code perSecond} UDP queries a second, then the check. */
        void check(long perSecond) {
            nanos += PERIOD;
            queries += perSecond * HeapRelease.CHECK_PERIOD.toSeconds();
            release.check();
        }

        /** After a first check, a burst grew the heap 40 MiB above the baseline. */
        static Fake grown() {
            Fake f = new Fake();
            f.check(0);
            f.burst(40 * MIB);
            return f;
        }

        /** {@code n} quiet periods, each with its check. */
        void quiet(int n) {
            for (int i = 0; i < n; i++) {
                check(0);
            }
        }

        /** A burst: the heap grew by {@code growth} through young GCs. */
        void burst(long growth) {
            committed += growth;
            collected = true;
        }
    }

    @Test
    void releasesOnceAfterGrowthWhenQuiet() {
        Fake f = Fake.grown();
        f.check(0); // a GC ran during the burst: not yet
        assertEquals(0, f.fullGcs);
        f.check(1);
        assertEquals(1, f.fullGcs, "quiet, 40 MiB above the baseline");
        f.quiet(20);
        assertEquals(1, f.fullGcs, "back at the baseline: no more");
    }

    @Test
    void notWhileUdpQueriesFlow() {
        Fake f = Fake.grown();
        for (int i = 0; i < 20; i++) {
            f.check(50_000); // UDP load: no GC, the counters move
        }
        assertEquals(0, f.fullGcs);
        f.check(HeapRelease.QUIET_QUERIES_PER_SECOND);
        assertEquals(0, f.fullGcs, "at the quiet rate, still counted as traffic");
        f.check(HeapRelease.QUIET_QUERIES_PER_SECOND - 1);
        assertEquals(1, f.fullGcs);
    }

    /**
     * TCP and DoT queries count as UDP ones do: a steady rate of them need not cause a young GC
     * within a period, so without their count the release's pause would fall among them.
     */
    @Test
    void notWhileStreamQueriesFlow() throws Exception {
        int tcp = FreePorts.udpAndTcp();
        int dot = FreePorts.udpAndTcp();
        String corefile = ".:%d {\n bind 127.0.0.1\n whoami\n}\ntls://.:%d {\n bind 127.0.0.1\n whoami\n}\n"
                .formatted(tcp, dot); // tls:// without a tls directive: DoT in cleartext, as CoreDNS
        try (TestServer server = TestServer.fromText(corefile);
                DnsClient overTcp = new DnsClient("127.0.0.1", tcp);
                DnsClient overDot = new DnsClient("127.0.0.1", dot)) {
            Fake f = new Fake();
            f.counted = server.server()::queries;
            f.check(0);
            f.burst(40 * MIB);
            f.check(0); // a GC ran during the burst: not yet
            long perPeriod = HeapRelease.QUIET_QUERIES_PER_SECOND * HeapRelease.CHECK_PERIOD.toSeconds();
            for (int i = 0; i < perPeriod / 2; i++) {
                assertEquals(Rcode.NOERROR, overTcp.tcp(DnsClient.query("tcp" + i + ".example.", Type.A)).getRcode());
                assertEquals(Rcode.NOERROR, overDot.tcp(DnsClient.query("dot" + i + ".example.", Type.A)).getRcode());
            }
            f.check(0);
            assertEquals(0, f.fullGcs, perPeriod + " stream queries in a period, no GC: still traffic");
            f.check(0);
            assertEquals(1, f.fullGcs, "released once they stop");
        }
    }

    @Test
    void notTwiceWithinTheSpacing() {
        Fake f = Fake.grown();
        f.quiet(2);
        assertEquals(1, f.fullGcs);
        long periods = HeapRelease.MIN_SPACING.toNanos() / PERIOD;
        for (int i = 0; i < periods / 2 - 1; i++) { // two checks each, up to 10 s before the spacing ends
            f.burst(40 * MIB);
            f.quiet(2);
        }
        assertEquals(1, f.fullGcs, "bursts within " + HeapRelease.MIN_SPACING);
        f.quiet(2);
        assertEquals(2, f.fullGcs, "once the spacing has passed");
    }

    @Test
    void notWhenAReloadsGcAlreadyShrankIt() {
        Fake f = Fake.grown();
        f.release.now("reload", "reload"); // back to 20 MiB, the baseline with it
        f.quiet(3);
        assertEquals(1, f.fullGcs, "only the reload's");
    }

    @Test
    void aReloadsGcSetsTheBaselineUpToo() {
        Fake f = new Fake();
        f.live = 30 * MIB; // a reload that loaded bigger caches: its GC leaves 30 MiB
        f.burst(10 * MIB);
        f.release.now("reload", "reload");
        f.committed = 36 * MIB; // 6 MiB above what that GC left: below the threshold
        f.quiet(3);
        assertEquals(1, f.fullGcs, "compared with what the reload's GC left, not the heap at start");
    }
}
