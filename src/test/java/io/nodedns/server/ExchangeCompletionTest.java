package io.nodedns.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.nodedns.testing.Unmeasured;
import io.nodedns.wire.DnsHeader;
import io.nodedns.wire.QueryView;
import java.nio.ByteOrder;
import java.util.concurrent.atomic.AtomicInteger;
import org.agrona.MutableDirectBuffer;
import org.junit.jupiter.api.Test;

/**
 * Exchange's contract: a pending exchange may be completed from any thread, and exactly one
 * completion wins; the others neither run the hooks again nor send a second reply.
 */
@Unmeasured
class ExchangeCompletionTest {
    private static final int ROUNDS = 20_000;

    /**
     * Two threads complete the same exchange at once, round after round: this thread with a reply,
     * a second (one platform thread, reused) with an rcode. Each spins on the round number, so both
     * arrive within nanoseconds; starting threads per round (the test's first form) made the race so
     * rare that a check-then-set completion passed most runs.
     */
    @Test
    void concurrentCompletionsSendOneReplyAndRunHooksOnce() throws Exception {
        AtomicInteger replies = new AtomicInteger();
        AtomicInteger hookRuns = new AtomicInteger();
        Responder responder = e -> replies.incrementAndGet();
        ResponseHook hook = e -> hookRuns.incrementAndGet();
        Exchange ex = new Exchange(512);
        int length = writeQuery(ex.request());
        AtomicInteger round = new AtomicInteger();
        AtomicInteger done = new AtomicInteger();
        Thread other = Thread.ofPlatform().daemon().name("completion-race").start(() -> {
            for (int r = 1; r <= ROUNDS; r++) {
                if (!spinUntil(round, r)) {
                    return;
                }
                ex.completeWithRcode(DnsHeader.RCODE_SERVFAIL);
                done.set(r);
            }
        });
        try {
            for (int r = 1; r <= ROUNDS; r++) {
                ex.reset(Transport.UDP, null, responder, 0);
                ex.requestLength(length);
                assertEquals(QueryView.OK, ex.query().wrap(ex.request(), 0, length));
                ex.addHook(hook);
                round.set(r);
                ex.complete();
                assertTrue(spinUntil(done, r), "the other thread completed round " + r);
                assertEquals(r, replies.get(), "one reply per query, round " + r);
                assertEquals(r, hookRuns.get(), "hooks run once per query, round " + r);
            }
        } finally {
            other.interrupt();
            other.join(5_000);
        }
    }

    /** Spins until {@code value} reaches {@code target}, yielding now and then (a 2-core machine runs other work); false if interrupted. */
    private static boolean spinUntil(AtomicInteger value, int target) {
        for (long spins = 1; value.get() < target; spins++) {
            if (Thread.currentThread().isInterrupted()) {
                return false;
            }
            if ((spins & 1023) == 0) {
                Thread.yield();
            } else {
                Thread.onSpinWait();
            }
        }
        return true;
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
