package io.nodedns.plugin.pprof;

import java.io.IOException;
import java.io.InputStream;
import java.text.ParseException;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicBoolean;
import jdk.jfr.Configuration;
import jdk.jfr.Recording;

/**
 * The profile endpoint's JDK Flight Recorder recording: the JDK's "default" settings (made for
 * production, "typically less than 1 % overhead" by its account: execution samples every 20 ms,
 * GC, I/O), one recording at a time in the process and at most {@link #MAX_SECONDS}, so a loop of requests cannot
 * stack recordings on a DNS server.
 */
final class JfrProfile {
    static final int DEFAULT_SECONDS = 30; // Go's net/http/pprof default
    static final int MAX_SECONDS = 300;
    /** Go's block profile counts time blocked in channel operations and locks; the JVM's are these. */
    static final String[] BLOCK_EVENTS = {"jdk.ThreadPark", "jdk.JavaMonitorEnter", "jdk.JavaMonitorWait"};
    private static final AtomicBoolean RUNNING = new AtomicBoolean();

    private JfrProfile() {}

    /** A finished recording's bytes (close after reading), or busy if another recording runs. */
    record Result(boolean busy, Recording recording, InputStream data) implements AutoCloseable {
        @Override
        public void close() {
            if (recording != null) {
                recording.close();
                RUNNING.set(false);
            }
        }
    }

    static Result record(int seconds, long blockRate) throws IOException, InterruptedException {
        if (!RUNNING.compareAndSet(false, true)) {
            return new Result(true, null, null);
        }
        Recording recording = null;
        try {
            recording = new Recording(Configuration.getConfiguration("default"));
            recording.setName("nodedns-pprof");
            recording.setToDisk(true); // getStream needs the disk repository (java.io.tmpdir)
            for (String event : BLOCK_EVENTS) {
                if (blockRate > 0) {
                    recording.enable(event).withThreshold(Duration.ofNanos(blockRate)).withStackTrace();
                } else {
                    recording.disable(event); // as in Go, blocking is recorded only with `block`
                }
            }
            recording.start();
            Thread.sleep(seconds * 1000L);
            recording.stop();
            InputStream data = recording.getStream(null, null);
            if (data == null) {
                throw new IOException("the recording holds no data");
            }
            return new Result(false, recording, data);
        } catch (IOException | InterruptedException | RuntimeException e) {
            if (recording != null) {
                recording.close();
            }
            RUNNING.set(false);
            throw e;
        } catch (ParseException e) {
            RUNNING.set(false);
            throw new IOException("the JDK's default JFR configuration cannot be read: " + e.getMessage(), e);
        }
    }
}
