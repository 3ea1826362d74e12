package io.nodedns.upstream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;

import java.net.InetSocketAddress;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Copy-on-write swaps that keep the objects of addresses that stay. */
class UpstreamTableTest {
    private static InetSocketAddress a(int last) {
        return new InetSocketAddress("127.0.0." + last, 53);
    }

    @Test
    void updateKeepsUnchangedUpstreamsAndDropsDuplicates() {
        UpstreamTable t = UpstreamTable.of(List.of(a(1), a(2), a(1)), ConnOptions.defaults());
        Upstream[] first = t.get();
        assertEquals(2, first.length);
        List<Upstream> removed = t.update(List.of(a(3), a(2)));
        Upstream[] second = t.get();
        assertNotSame(first, second, "a new array is published");
        assertEquals(2, first.length, "the old snapshot is untouched");
        assertEquals(a(3), second[0].address());
        assertSame(first[1], second[1], "127.0.0.2 keeps its object (health, connections, counters)");
        assertEquals(List.of(first[0]), removed);
    }

    @Test
    void labelsLookLikeCoreDnsTo() {
        assertEquals("127.0.0.1:53", new Upstream(a(1), ConnOptions.defaults()).label());
        assertEquals("[::1]:5353", new Upstream(new InetSocketAddress("::1", 5353), ConnOptions.defaults()).label());
        assertEquals("[2001:db8::1:0:0:1]:53", Upstream.label(new InetSocketAddress("2001:db8:0:0:1:0:0:1", 53)));
        assertEquals("[fe80::]:53", Upstream.label(new InetSocketAddress("fe80::", 53)));
        assertEquals("[2001:db8:0:1:1:1:1:1]:53", Upstream.label(new InetSocketAddress("2001:db8:0:1:1:1:1:1", 53)));
    }

    @Test
    void downOnlyPastMaxFails() {
        Upstream u = new Upstream(a(1), ConnOptions.defaults());
        u.probeFailed();
        u.probeFailed();
        assertEquals(false, u.down(2));
        u.probeFailed();
        assertEquals(true, u.down(2));
        assertEquals(false, u.down(0), "max_fails 0: never down");
        u.probeSucceeded();
        assertEquals(false, u.down(2));
        assertEquals(3, u.healthcheckFailures());
    }

    @Test
    void responsesAreCountedByRcodeAndBucket() {
        Upstream u = new Upstream(a(1), ConnOptions.defaults());
        u.responded(0, 100_000); // 0.1 ms: first bucket
        u.responded(0, 3_000_000); // 3 ms: <= 4 ms bucket (index 4)
        u.responded(3, 20_000_000_000L); // beyond the last bound
        assertEquals(2, u.responses(0));
        assertEquals(1, u.responses(3));
        assertEquals(1, u.durationBucket(0, 0));
        assertEquals(1, u.durationBucket(0, 4));
        assertEquals(1, u.durationBucket(3, 16));
        assertEquals(3_100_000, u.durationSumNanos(0));
    }

    /** Each loop writes its own counts (no shared cache line per reply); a scrape sums loops and the shared set. */
    @Test
    void loopsCountInTheirOwnCountsAndScrapesSumThem() throws Exception {
        Upstream u = new Upstream(a(1), ConnOptions.defaults());
        Object loopA = new Object();
        Object loopB = new Object();
        Thread[] writers = new Thread[2];
        Object[] loops = {loopA, loopB};
        for (int i = 0; i < 2; i++) {
            Object loop = loops[i];
            writers[i] = Thread.ofPlatform().start(() -> {
                for (int n = 0; n < 100_000; n++) {
                    u.responded(loop, 0, 1_000_000); // 1 ms: bucket 2
                }
            });
        }
        for (int n = 0; n < 1_000; n++) {
            u.responded(2, 100_000); // TCP/blocking path
        }
        for (Thread t : writers) {
            t.join();
        }
        assertEquals(200_000, u.responses(0), "no update lost between loops");
        assertEquals(200_000, u.durationBucket(0, 2));
        assertEquals(200_000L * 1_000_000, u.durationSumNanos(0));
        assertEquals(1_000, u.responses(2));
        u.responded(loopA, 0, 1_000_000);
        assertEquals(200_001, u.responses(0), "a loop goes on counting in its own counts");
    }
}
