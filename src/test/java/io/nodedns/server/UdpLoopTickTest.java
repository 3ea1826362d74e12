package io.nodedns.server;

import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.nodedns.testing.DnsClient;
import io.nodedns.testing.FreePorts;
import io.nodedns.testing.TestServer;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.xbill.DNS.Type;

/**
 * Tickers run about every {@link UdpLoop#TICK_NANOS} however busy the loop is, not once per pass:
 * a call made on every pass is hot to the JIT, which then inlines the timeout sweep into the query
 * path (and the first timeout deoptimises the whole loop).
 */
class UdpLoopTickTest {
    private static final int MAX_TICKS = 1000;

    @Test
    void tickersRunOncePerIntervalWhilePassesComeFarMoreOften() throws Exception {
        int port = FreePorts.udpAndTcp();
        try (TestServer server = TestServer
                .fromText("example.org:%d {\n multisocket 1\n whoami\n}\n".formatted(port))) {
            UdpLoop loop = server.firstLoop();
            RecordingTicker ticker = new RecordingTicker();
            loop.execute(() -> loop.addTicker(ticker));
            // one query at a time: each needs a pass of its own, thousands of passes in the window
            int passes = 0;
            try (DnsClient client = new DnsClient(port)) {
                long end = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(300);
                while (System.nanoTime() < end) {
                    assertNotNull(client.udp(DnsClient.query("tick.example.org.", Type.A)), "answered");
                    passes++;
                }
            }
            CountDownLatch removed = new CountDownLatch(1);
            loop.execute(() -> {
                loop.removeTicker(ticker);
                removed.countDown();
            });
            assertTrue(removed.await(5, TimeUnit.SECONDS), "the loop ran the removal");

            int ticks = ticker.count;
            assertTrue(ticks >= 2, "ticks ran: " + ticks);
            assertTrue(passes > 4 * ticks, "passes (" + passes + ") far outnumber ticks (" + ticks + ")");
            for (int i = 1; i < ticks; i++) {
                long gap = ticker.at[i] - ticker.at[i - 1];
                assertTrue(gap >= UdpLoop.TICK_NANOS, "tick " + i + " came " + gap + " ns after the one before");
            }
        }
    }

    /** Records when it was called; touched only on the loop thread until the removal task has run. */
    private static final class RecordingTicker implements LoopTicker {
        final long[] at = new long[MAX_TICKS];
        int count;

        @Override
        public void onTick(long nowNanos) {
            if (count < MAX_TICKS) {
                at[count++] = nowNanos;
            }
        }
    }
}
