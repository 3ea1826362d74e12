package io.nodedns.log;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CountDownLatch;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * An output that takes no more lines (stdout's reader stalled) must stop no thread that logs: a
 * UDP loop logging an error line blocked in the write with every query it owned, cached ones
 * too, while /health said OK. Lines past the writer's queue are dropped and said to be.
 */
class BlockedLogOutputTest {
    private static final int LINES = 5000;

    @Test
    @Timeout(60)
    void aBlockedOutputStopsNoThreadThatLogs() throws Exception {
        CountDownLatch release = new CountDownLatch(1);
        ByteArrayOutputStream taken = new ByteArrayOutputStream();
        OutputStream stalled = new OutputStream() {
            @Override
            public void write(int b) throws IOException {
                write(new byte[]{(byte) b}, 0, 1);
            }

            @Override
            public void write(byte[] b, int off, int len) throws IOException {
                try {
                    release.await();
                } catch (InterruptedException e) {
                    throw new InterruptedIOException();
                }
                synchronized (taken) {
                    taken.write(b, off, len);
                }
            }
        };
        Log.output(new PrintStream(stalled, true, StandardCharsets.UTF_8));
        try {
            Thread logger = Thread.ofPlatform().name("a serving loop").start(() -> {
                for (int i = 0; i < LINES; i++) {
                    Log.error("errors", "2 name" + i + ". A: read udp: i/o timeout");
                }
            });
            logger.join(5000);
            boolean returned = !logger.isAlive();
            release.countDown();
            assertTrue(returned, "logging " + LINES + " lines returned while the output took none");
            assertTrue(Log.flush(10_000), "queued lines written once the output takes them");
            Pattern dropped = Pattern.compile("\\[WARNING\\] (\\d+) log lines dropped");
            Matcher m = null;
            boolean said = false;
            long deadline = System.nanoTime() + 10_000_000_000L;
            while (!said && System.nanoTime() < deadline) {
                synchronized (taken) {
                    m = dropped.matcher(taken.toString(StandardCharsets.UTF_8));
                }
                said = m.find();
                Thread.sleep(said ? 0 : 10);
            }
            assertTrue(said, "the dropped lines are said: " + tail(taken));
            long written;
            synchronized (taken) {
                written = taken.toString(StandardCharsets.UTF_8).lines().filter(l -> l.contains("i/o timeout")).count();
            }
            long lost = Long.parseLong(m.group(1));
            System.out.println("output stalled: " + written + " lines written, " + lost + " dropped of " + LINES);
            assertEquals(LINES, written + lost, "every line written or counted as dropped");
            assertTrue(written >= Log.Writer.CAPACITY, "the queue's lines were kept: " + written);
        } finally {
            release.countDown();
            Log.output(System.out);
        }
    }

    private static String tail(ByteArrayOutputStream taken) {
        synchronized (taken) {
            String text = taken.toString(StandardCharsets.UTF_8);
            return text.substring(Math.max(0, text.length() - 500));
        }
    }
}
