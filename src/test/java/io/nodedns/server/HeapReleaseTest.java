package io.nodedns.server;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

/** HeapRelease's check on a fake heap, query count, GC sentinel and clock: when it runs its full GC. */
class HeapReleaseTest {
    private static final long MIB = 1L << 20;
    private static final long PERIOD = HeapRelease.CHECK_PERIOD.toNanos();

    /** A heap whose full GC leaves {@code live} committed; counts the full GCs. */
    private static final class Fake {
        long committed = 20 * MIB;
        long live = 20 * MIB;
        long queries;
        boolean collected;
        long nanos;
        int fullGcs;
        final HeapRelease release = new HeapRelease(() -> committed, () -> queries, this::collected, () -> nanos,
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
