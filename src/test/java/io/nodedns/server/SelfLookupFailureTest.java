package io.nodedns.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.nodedns.wire.DnsHeader;
import io.nodedns.wire.QueryView;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** A plugin's reply made off the loop that fails with an Error still completes the exchange (SERVFAIL). */
class SelfLookupFailureTest {
    @Test
    void anErrorFromTheReplyIsAPanicAnsweredServfail() throws InterruptedException {
        assertServfail(() -> {
            throw new StackOverflowError("deep parse");
        }, StackOverflowError.class);
    }

    @Test
    void anErrorThatIsNotTheJvmsIsAPanicAnsweredServfail() throws InterruptedException {
        assertServfail(() -> {
            throw new NoClassDefFoundError("a plugin's missing class");
        }, NoClassDefFoundError.class);
    }

    @Test
    void aRuntimeFailureFromTheReplyIsAPanicAnsweredServfail() throws InterruptedException {
        assertServfail(() -> {
            throw new IllegalStateException("bug");
        }, IllegalStateException.class);
    }

    private static void assertServfail(SelfLookup.Reply reply, Class<? extends Throwable> thrown)
            throws InterruptedException {
        CountDownLatch done = new CountDownLatch(1);
        AtomicInteger rcode = new AtomicInteger(-1);
        Exchange ex = new Exchange(512);
        int length = ExchangeCompletionTest.writeQuery(ex.request());
        ex.reset(Transport.UDP, null, e -> {
            rcode.set(e.response().getByte(3) & 0x0f);
            done.countDown();
        }, 0);
        ex.requestLength(length);
        assertEquals(QueryView.OK, ex.query().wrap(ex.request(), 0, length));
        assertEquals(Result.PENDING, SelfLookup.answerOffLoop(ex, "test", reply));
        assertTrue(done.await(10, TimeUnit.SECONDS), "the exchange was left pending");
        assertEquals(DnsHeader.RCODE_SERVFAIL, rcode.get());
        assertInstanceOf(thrown, ex.failure());
    }
}
