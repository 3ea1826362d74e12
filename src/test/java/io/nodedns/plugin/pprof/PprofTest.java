package io.nodedns.plugin.pprof;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.nodedns.testing.FreePorts;
import io.nodedns.testing.SetupErrors;
import io.nodedns.testing.TestServer;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.locks.LockSupport;
import jdk.jfr.consumer.RecordedEvent;
import jdk.jfr.consumer.RecordingFile;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PprofTest {
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

    @TempDir
    Path dir;

    private static final class Kept {
    }

    private static final class Dropped {
    }

    private static volatile Dropped dropped;

    static HttpResponse<String> get(int port, String path) throws Exception {
        return HTTP.send(request(port, path), HttpResponse.BodyHandlers.ofString());
    }

    static HttpRequest request(int port, String path) {
        return HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path)).timeout(Duration.ofSeconds(30))
                .build();
    }

    @Test
    void indexThreadDumpAndHeapHistogram() throws Exception {
        int dns = FreePorts.udpAndTcp();
        int http = FreePorts.udpAndTcp();
        Thread sleeper = Thread.ofPlatform().name("pprof-test-sleeper").daemon().start(() -> {
            try {
                Thread.sleep(60_000);
            } catch (InterruptedException e) {
                // the test is over
            }
        });
        try (TestServer server = TestServer
                .fromText(".:%d {\n pprof 127.0.0.1:%d\n whoami\n}\n".formatted(dns, http))) {
            HttpResponse<String> index = get(http, "/debug/pprof/");
            assertEquals(200, index.statusCode());
            for (String link : List.of("href=\"goroutine?debug=2\"", "href=\"heap\"", "href=\"profile?seconds=30\"")) {
                assertTrue(index.body().contains(link), index.body());
            }
            HttpResponse<String> bare = get(http, "/debug/pprof");
            assertEquals(301, bare.statusCode());
            assertEquals("/debug/pprof/", bare.headers().firstValue("Location").orElse(""));

            HttpResponse<String> threads = get(http, "/debug/pprof/goroutine?debug=2");
            assertEquals(200, threads.statusCode());
            List<String> lines = threads.body().lines().toList();
            int at = -1;
            for (int i = 0; i < lines.size(); i++) {
                if (lines.get(i).startsWith("\"pprof-test-sleeper\" ")) {
                    at = i;
                }
            }
            assertTrue(at >= 0, threads.body());
            assertEquals("   java.lang.Thread.State: TIMED_WAITING (sleeping)", lines.get(at + 1));
            assertTrue(threads.body().contains("\"nodedns-udp-"), "the UDP loops are listed: " + threads.body());

            HttpResponse<String> heap = get(http, "/debug/pprof/heap");
            assertEquals(200, heap.statusCode());
            assertTrue(heap.body().contains("#instances") && heap.body().contains("java.lang.String "), heap.body());
            assertTrue(heap.body().lines().anyMatch(l -> l.startsWith("Total ")), heap.body());
            // gc=N (N > 0) collects first: unreachable objects are gone, reachable ones counted
            Kept[] kept = new Kept[1000];
            for (int i = 0; i < kept.length; i++) {
                kept[i] = new Kept();
                dropped = new Dropped();
            }
            dropped = null;
            HttpResponse<String> live = get(http, "/debug/pprof/heap?gc=2");
            assertEquals(200, live.statusCode());
            assertTrue(
                    live.body().lines().anyMatch(
                            l -> l.matches("\\s*\\d+:\\s+1000\\s+\\d+\\s+" + Kept.class.getName().replace("$", "\\$"))),
                    live.body());
            assertFalse(live.body().contains(Dropped.class.getName()), live.body());
            assertEquals(1000, kept.length);

            assertEquals(404, get(http, "/debug/pprof/allocs").statusCode());
        } finally {
            sleeper.interrupt();
        }
    }

    @Test
    void profileIsAJfrRecordingOneAtATime() throws Exception {
        int dns = FreePorts.udpAndTcp();
        int http = FreePorts.udpAndTcp();
        try (TestServer server = TestServer
                .fromText(".:%d {\n pprof 127.0.0.1:%d\n whoami\n}\n".formatted(dns, http))) {
            assertEquals(400, get(http, "/debug/pprof/profile?seconds=301").statusCode());
            assertEquals(400, get(http, "/debug/pprof/profile?seconds=0").statusCode());
            assertEquals(400, get(http, "/debug/pprof/profile?seconds=soon").statusCode());

            CompletableFuture<HttpResponse<byte[]>> first = HTTP.sendAsync(
                    request(http, "/debug/pprof/profile?seconds=2"), HttpResponse.BodyHandlers.ofByteArray());
            Thread.sleep(700);
            HttpResponse<String> second = get(http, "/debug/pprof/profile?seconds=1");
            assertEquals(409, second.statusCode(), second.body());
            HttpResponse<byte[]> recorded = first.get();
            assertEquals(200, recorded.statusCode());
            List<RecordedEvent> events = read(recorded.body());
            assertTrue(events.stream().anyMatch(e -> e.getEventType().getName().equals("jdk.JVMInformation")),
                    "a readable JFR recording");
            // the slot is free again
            assertEquals(200,
                    HTTP.send(request(http, "/debug/pprof/profile?seconds=1"), HttpResponse.BodyHandlers.discarding())
                            .statusCode());
        }
    }

    /** {@code block} is what puts thread parks into the recording; without it there are none. */
    @Test
    void blockRecordsThreadParks() throws Exception {
        assertTrue(parks(" {\n  block 1000000\n }") > 0, "with block, parks of 5 ms pass a 1 ms threshold");
        assertEquals(0, parks(""), "without block");
    }

    /** ThreadPark events of a thread parking 5 ms at a time during a one-second recording. */
    private long parks(String options) throws Exception {
        int dns = FreePorts.udpAndTcp();
        int http = FreePorts.udpAndTcp();
        java.util.concurrent.atomic.AtomicBoolean stop = new java.util.concurrent.atomic.AtomicBoolean();
        Thread parker = Thread.ofPlatform().name("pprof-test-parker").daemon().start(() -> {
            while (!stop.get()) {
                LockSupport.parkNanos(5_000_000);
            }
        });
        try (TestServer server = TestServer
                .fromText(".:%d {\n pprof 127.0.0.1:%d%s\n whoami\n}\n".formatted(dns, http, options))) {
            HttpResponse<byte[]> recorded = HTTP.send(request(http, "/debug/pprof/profile?seconds=1"),
                    HttpResponse.BodyHandlers.ofByteArray());
            assertEquals(200, recorded.statusCode());
            return read(recorded.body()).stream()
                    .filter(e -> e.getEventType().getName().equals("jdk.ThreadPark"))
                    .filter(e -> e.getThread() != null && "pprof-test-parker".equals(e.getThread().getJavaName()))
                    .count();
        } finally {
            stop.set(true);
            parker.join();
        }
    }

    /** The listener survives a reload that keeps the address (with another block setting) and closes when pprof goes. */
    @Test
    void reloadKeepsTheListenerAndClosesItWhenPprofGoes() throws Exception {
        int dns = FreePorts.udpAndTcp();
        int http = FreePorts.udpAndTcp();
        Path corefile = dir.resolve("Corefile");
        Files.writeString(corefile, ".:%d {\n pprof 127.0.0.1:%d\n whoami\n}\n".formatted(dns, http));
        try (TestServer server = TestServer.fromFile(corefile)) {
            assertEquals(200, get(http, "/debug/pprof/heap").statusCode());
            Files.writeString(corefile,
                    ".:%d {\n pprof 127.0.0.1:%d {\n  block 1\n }\n whoami\n}\n".formatted(dns, http));
            assertTrue(server.server().reload());
            assertEquals(200, get(http, "/debug/pprof/goroutine").statusCode());
            Files.writeString(corefile, ".:%d {\n whoami\n}\n".formatted(dns));
            assertTrue(server.server().reload());
            assertThrows(java.net.ConnectException.class, () -> get(http, "/debug/pprof/"));
        }
    }

    private List<RecordedEvent> read(byte[] body) throws IOException {
        Path file = Files.createTempFile(dir, "profile", ".jfr");
        Files.write(file, body);
        return RecordingFile.readAllEvents(file);
    }

    @Test
    void malformedPprof() throws Exception {
        SetupErrors.assertFails(".:53 {\n pprof :6060 :6061\n}\n", 2, "Wrong argument count");
        SetupErrors.assertFails(".:53 {\n pprof nohostport\n}\n", 2, "missing port");
        SetupErrors.assertFails(".:53 {\n pprof {\n  mutex\n }\n}\n", 3, "unknown property 'mutex'");
        SetupErrors.assertFails(".:53 {\n pprof {\n  block often\n }\n}\n", 3, "invalid integer value 'often'");
        SetupErrors.assertFails(".:53 {\n pprof {\n  block 0\n }\n}\n", 3, "must be positive");
        SetupErrors.assertFails(".:53 {\n pprof {\n  block 1 2\n }\n}\n", 3, "Wrong argument count");
        SetupErrors.assertFails(".:53 {\n pprof\n pprof\n}\n", 3, "only be used once");
        SetupErrors.assertFails(".:53 {\n pprof :6060\n}\nexample.org:53 {\n pprof :6060 {\n  block\n }\n}\n", 5,
                "different 'block' setting");
        int dns = FreePorts.udpAndTcp();
        int http = FreePorts.udpAndTcp();
        IOException e = assertThrows(IOException.class,
                () -> TestServer.fromText(".:%d {\n whoami\n pprof 192.0.2.1:%d\n}\n".formatted(dns, http)).close());
        assertTrue(
                e.getMessage().contains("listen tcp 192.0.2.1:" + http) && e.getMessage().contains("Corefile:3 pprof"),
                e.getMessage());
        assertFalse(e.getMessage().isEmpty());
    }
}
