package io.nodedns.server;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.nodedns.testing.Unmeasured;
import io.nodedns.wire.DnsHeader;
import io.nodedns.wire.QueryView;
import java.nio.ByteOrder;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;
import org.agrona.MutableDirectBuffer;
import org.junit.jupiter.api.Test;

/**
 * Exchange's contract: a pending exchange may be completed from any thread, and exactly one
 * completion wins; the others neither run the hooks again nor send a second reply.
 */
@Unmeasured
class ExchangeCompletionTest {
    private static final int THREADS = 4;
    private static final int ROUNDS = 2_000;

    @Test
    void concurrentCompletionsSendOneReplyAndRunHooksOnce() throws Exception {
        AtomicInteger replies = new AtomicInteger();
        AtomicInteger hookRuns = new AtomicInteger();
        Responder responder = e -> replies.incrementAndGet();
        ResponseHook hook = e -> hookRuns.incrementAndGet();
        Exchange ex = new Exchange(512);
        int length = writeQuery(ex.request());
        for (int round = 1; round <= ROUNDS; round++) {
            ex.reset(Transport.UDP, null, responder, 0);
            ex.requestLength(length);
            assertEquals(QueryView.OK, ex.query().wrap(ex.request(), 0, length));
            ex.addHook(hook);
            CountDownLatch start = new CountDownLatch(1);
            Thread[] threads = new Thread[THREADS];
            for (int t = 0; t < THREADS; t++) {
                boolean rcode = (t & 1) == 1;
                // virtual: 8,000 platform threads took 12 s to start; these race on the carriers as well
                threads[t] = Thread.ofVirtual().start(() -> {
                    try {
                        start.await();
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                        return;
                    }
                    if (rcode) {
                        ex.completeWithRcode(DnsHeader.RCODE_SERVFAIL);
                    } else {
                        ex.complete();
                    }
                });
            }
            start.countDown();
            for (Thread t : threads) {
                t.join();
            }
            assertEquals(round, replies.get(), "one reply per query, round " + round);
            assertEquals(round, hookRuns.get(), "hooks run once per query, round " + round);
        }
    }

    @Test
    void aResetExchangeCompletesAgain() {
        AtomicInteger replies = new AtomicInteger();
        Exchange ex = new Exchange(512);
        int length = writeQuery(ex.request());
        for (int i = 0; i < 3; i++) {
            ex.reset(Transport.UDP, null, e -> replies.incrementAndGet(), 0);
            ex.requestLength(length);
            ex.query().wrap(ex.request(), 0, length);
            ex.complete();
            ex.complete();
        }
        assertEquals(3, replies.get());
    }

    /** example.org. A, RD set. */
    static int writeQuery(MutableDirectBuffer b) {
        b.putShort(0, (short) 0x1234, ByteOrder.BIG_ENDIAN);
        b.putShort(2, (short) 0x0100, ByteOrder.BIG_ENDIAN);
        b.putShort(4, (short) 1, ByteOrder.BIG_ENDIAN);
        int p = 12;
        for (String label : new String[]{"example", "org"}) {
            b.putByte(p++, (byte) label.length());
            for (int i = 0; i < label.length(); i++) {
                b.putByte(p++, (byte) label.charAt(i));
            }
        }
        b.putByte(p++, (byte) 0);
        b.putShort(p, (short) 1, ByteOrder.BIG_ENDIAN);
        b.putShort(p + 2, (short) 1, ByteOrder.BIG_ENDIAN);
        return p + 4;
    }
}
