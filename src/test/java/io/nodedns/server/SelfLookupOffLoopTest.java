package io.nodedns.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.nodedns.testing.MetricValues;
import io.nodedns.wire.DnsHeader;
import io.nodedns.wire.QueryView;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/**
 * {@link SelfLookup#offLoop} at its limit: the next query is answered SERVFAIL on the calling
 * thread and counted, while a query nested in one in flight still runs (on its asker's thread).
 */
class SelfLookupOffLoopTest {
    @Test
    void pastTheLimitAQueryIsShedAtOnceAndANestedOneStillRuns() throws Exception {
        awaitNoneInFlight();
        int limit = SelfLookup.limit();
        CountDownLatch release = new CountDownLatch(1);
        CountDownLatch completed = new CountDownLatch(limit);
        for (int i = 0; i < limit; i++) {
            Exchange ex = exchange(e -> completed.countDown());
            assertEquals(Result.PENDING, SelfLookup.offLoop(ex, "offlooptest", () -> {
                awaitQuietly(release);
                ex.completeWithRcode(DnsHeader.RCODE_NOERROR);
            }));
        }
        assertEquals(limit, SelfLookup.inFlight());
        double shedBefore = shed();

        Exchange over = exchange(e -> {});
        assertEquals(DnsHeader.RCODE_SERVFAIL, SelfLookup.offLoop(over, "offlooptest", () -> {
            throw new AssertionError("no task may start past the limit");
        }));
        assertEquals("plugin/offlooptest: concurrent self lookups exceeded maximum " + limit, over.error());
        assertEquals(shedBefore + 1, shed(), "counted for its plugin");

        // a reply ending in a CNAME whose target was to be asked goes out as it stands, the CNAME alone
        Exchange cname = exchange(e -> {});
        byte[] reply = new byte[40];
        java.util.Arrays.fill(reply, (byte) 7);
        cname.response().putBytes(0, reply);
        assertEquals(Result.WRITTEN,
                SelfLookup.followCname(cname, reply.length, org.xbill.DNS.Name.fromString("t.example."),
                        "offlooptest"));
        assertEquals(reply.length, cname.responseLength(), "the reply as it stood");
        assertEquals(shedBefore + 2, shed(), "counted too");

        Exchange nested = exchange(e -> {});
        nested.lookupDepth = 1; // a self lookup inside one of those in flight
        AtomicReference<Thread> ranOn = new AtomicReference<>();
        assertEquals(Result.PENDING, SelfLookup.offLoop(nested, "offlooptest", () -> {
            ranOn.set(Thread.currentThread());
            nested.completeWithRcode(DnsHeader.RCODE_NOERROR);
        }));
        assertSame(Thread.currentThread(), ranOn.get(), "on its asker's thread, holding no place of its own");

        release.countDown();
        assertTrue(completed.await(10, TimeUnit.SECONDS), "every query in flight completed");
        awaitNoneInFlight();
    }

    private static Exchange exchange(Responder responder) {
        Exchange ex = new Exchange(512);
        int length = ExchangeCompletionTest.writeQuery(ex.request());
        ex.reset(Transport.UDP, null, responder, 0);
        ex.requestLength(length);
        assertEquals(QueryView.OK, ex.query().wrap(ex.request(), 0, length));
        return ex;
    }

    private static double shed() {
        try {
            return MetricValues.of(List.of(SelfLookup.metrics())).value("nodedns_self_lookup_shed", "plugin",
                    "offlooptest");
        } catch (AssertionError none) {
            return 0;
        }
    }

    private static void awaitQuietly(CountDownLatch latch) {
        try {
            latch.await(30, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static void awaitNoneInFlight() throws InterruptedException {
        long deadline = System.nanoTime() + 10_000_000_000L;
        while (SelfLookup.inFlight() > 0 && System.nanoTime() < deadline) {
            Thread.sleep(20);
        }
        assertEquals(0, SelfLookup.inFlight());
    }
}
