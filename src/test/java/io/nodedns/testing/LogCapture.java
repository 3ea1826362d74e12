package io.nodedns.testing;

import io.nodedns.log.Log;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;

/** Captures what nodedns logs while open; restores stdout logging on close. */
public final class LogCapture implements AutoCloseable {
    private final ByteArrayOutputStream bytes = new ByteArrayOutputStream();

    public LogCapture() {
        Log.output(new PrintStream(bytes, true, StandardCharsets.UTF_8));
    }

    /** What was logged so far (each line logged before the call, once the log's writer has written it). */
    public synchronized List<String> lines() {
        Log.flush(5000);
        String text = bytes.toString(StandardCharsets.UTF_8);
        return text.isEmpty() ? List.of() : Arrays.asList(text.split("\n"));
    }

    /** Waits up to the timeout for a line containing the fragment. */
    public String await(String fragment, long timeoutMillis) throws InterruptedException {
        long deadline = System.nanoTime() + timeoutMillis * 1_000_000;
        while (System.nanoTime() < deadline) {
            for (String line : lines()) {
                if (line.contains(fragment)) {
                    return line;
                }
            }
            Thread.sleep(10);
        }
        return null;
    }

    @Override
    public void close() {
        Log.output(System.out);
    }
}
