package io.nodedns.k8s;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.nodedns.k8stest.KubeClients;
import io.nodedns.k8stest.TcpRelay;
import io.nodedns.testing.LogCapture;
import io.nodedns.testing.TestCa;
import java.io.IOException;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import mockwebserver3.Dispatcher;
import mockwebserver3.MockResponse;
import mockwebserver3.MockResponseBody;
import mockwebserver3.MockWebServer;
import mockwebserver3.RecordedRequest;
import okhttp3.Protocol;
import okio.BufferedSink;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * A silently lost watch (no FIN, no RST: the relay swallows every byte of the open connection) over
 * TLS on each HTTP version the client negotiates by ALPN: HTTP/2, where the watch is one stream of a
 * multiplexed connection that stays in OkHttp's pool, and HTTP/1.1, where it has the socket to itself.
 * The API server is scripted on okhttp's MockWebServer (the stand-in is HTTP/1.1 only): a list, then
 * a watch that streams events and a bookmark every {@link #BOOKMARK}; the stall is logged once and the
 * watch restarted from its last resourceVersion within the silence limit, and the change made
 * meanwhile arrives. A 3 s limit stands for the 90 s that once-a-minute bookmarks need.
 */
@Timeout(60)
class WatchLivenessProtocolsTest {
    static final Duration SILENCE = Duration.ofSeconds(3);
    static final Duration BOOKMARK = Duration.ofMillis(500);

    @TempDir
    Path dir;

    @ParameterizedTest
    @ValueSource(strings = {"h2", "http/1.1"})
    void aSilentlyLostWatchIsDetectedOnceAndRestarted(String alpn) throws Exception {
        Protocol protocol = Protocol.get(alpn);
        TestCa ca = new TestCa("watch-liveness-ca");
        TestCa.Issued cert = ca.issue("kube-apiserver", List.of(), List.of(InetAddress.getLoopbackAddress()));
        String caPem = Files.readString(ca.writeCa(dir.resolve("ca.crt")));
        ScriptedApi script = new ScriptedApi();
        script.add("a");
        try (MockWebServer server = new MockWebServer(); LogCapture log = new LogCapture()) {
            server.useHttps(cert.context().getSocketFactory());
            server.setProtocols(protocol == Protocol.HTTP_2
                    ? List.of(Protocol.HTTP_2, Protocol.HTTP_1_1)
                    : List.of(Protocol.HTTP_1_1));
            server.setDispatcher(script);
            server.start(InetAddress.getLoopbackAddress(), 0);
            try (TcpRelay relay = new TcpRelay(server.getPort())) {
                Path kc = KubeClients.writeKubeconfig(dir.resolve("config"), "https://127.0.0.1:" + relay.port(),
                        Map.of("certificate-authority-data", KubeClients.b64(caPem)), Map.of());
                ResourceWatcher<String> w = new ResourceWatcher<>(new KubeClientConfig(kc, null), ResourceRef.SERVICES,
                        null, null, "kubernetes", "test", ResourceLister::key, new Backoff());
                w.silence(SILENCE);
                w.start();
                try {
                    // the client itself has read a bookmark lately (the first ones may still sit in its buffers)
                    ListLoadTest.until(Duration.ofSeconds(15), () -> w.synced() && w.bookmarksSeen()
                            && w.staleness().compareTo(BOOKMARK.dividedBy(2)) < 0);
                    assertEquals(1, relay.silence(), "list and watch share one connection");
                    long t0 = System.nanoTime();
                    script.t0 = t0;
                    script.add("b");
                    ListLoadTest.until(Duration.ofSeconds(30),
                            () -> w.watchStallsTotal() > 0 || w.apiErrorsTotal() > 0);
                    long detected = (System.nanoTime() - t0) / 1_000_000;
                    ListLoadTest.until(Duration.ofSeconds(30), () -> w.items().size() == 2);
                    long ms = (System.nanoTime() - t0) / 1_000_000;
                    List<String> stalls = log.lines().stream().filter(l -> l.contains("connection presumed lost"))
                            .toList();
                    System.out.println("[TEST] silent connection loss (" + protocol + " over TLS): detected after "
                            + detected + " ms, change visible after " + ms + " ms with a " + SILENCE.toSeconds()
                            + " s silence limit; stalls counted: "
                            + w.watchStallsTotal() + ", failures: " + w.apiErrorsTotal() + ", requests: "
                            + script.requests);
                    assertEquals(Set.of(expectedVersion(protocol)), Set.copyOf(script.versions), "negotiated protocol");
                    assertEquals(1, stalls.size(), "logged once: " + log.lines());
                    assertEquals(1, w.watchStallsTotal());
                    assertEquals(0, w.apiErrorsTotal(), "a stall re-watches from the last resourceVersion, no failure: "
                            + log.lines());
                    // the silence limit is the timer: no sooner than a limit after the last bookmark read
                    assertTrue(detected > SILENCE.minus(BOOKMARK).toMillis() && detected < SILENCE.toMillis() + 4_000,
                            detected + " ms");
                    assertTrue(ms < detected + 2_000, ms + " ms");
                } finally {
                    w.stop();
                    script.close();
                }
            }
        }
    }

    private static String expectedVersion(Protocol p) {
        return p == Protocol.HTTP_2 ? "HTTP/2" : "HTTP/1.1";
    }

    /**
     * Services in default, each with its own resourceVersion; a list answers them all, a watch from
     * resourceVersion N streams ADDED events past N as they are added and a bookmark every
     * {@link #BOOKMARK}, until the test ends.
     */
    static final class ScriptedApi extends Dispatcher {
        final List<String> requests = new CopyOnWriteArrayList<>();
        final Set<String> versions = ConcurrentHashMap.newKeySet();
        final AtomicInteger bookmarks = new AtomicInteger();
        private final List<String> names = new CopyOnWriteArrayList<>(); // index + 1 is the resourceVersion
        private volatile boolean closed;
        volatile long t0; // requests after it are logged with their time since

        void add(String name) {
            names.add(name);
        }

        @Override
        public MockResponse dispatch(RecordedRequest r) {
            versions.add(r.getVersion());
            boolean watch = "true".equals(r.getUrl().queryParameter("watch"));
            requests.add((watch ? "watch@" + r.getUrl().queryParameter("resourceVersion") : "list")
                    + (t0 == 0 ? "" : " +" + (System.nanoTime() - t0) / 1_000_000 + "ms"));
            if (!r.getUrl().encodedPath().equals("/api/v1/services")) {
                return new MockResponse.Builder().code(404).body("{}").build();
            }
            if (!watch) {
                StringBuilder items = new StringBuilder();
                int rv = names.size();
                for (int i = 0; i < rv; i++) {
                    items.append(i == 0 ? "" : ",").append(service(i));
                }
                return new MockResponse.Builder().addHeader("Content-Type", "application/json")
                        .body("{\"kind\":\"ServiceList\",\"apiVersion\":\"v1\",\"metadata\":{\"resourceVersion\":\""
                                + rv
                                + "\"},\"items\":[" + items + "]}")
                        .build();
            }
            int from = Integer.parseInt(r.getUrl().queryParameter("resourceVersion"));
            return new MockResponse.Builder().addHeader("Content-Type", "application/json")
                    .body(new WatchBody(from)).removeHeader("Content-Length").build();
        }

        private String service(int i) {
            return "{\"kind\":\"Service\",\"apiVersion\":\"v1\",\"metadata\":{\"name\":\"" + names.get(i)
                    + "\",\"namespace\":\"default\",\"resourceVersion\":\"" + (i + 1) + "\"}}";
        }

        @Override
        public void close() {
            closed = true;
        }

        /** A watch stream: events past its resourceVersion and bookmarks, flushed as written. */
        private final class WatchBody implements MockResponseBody {
            private final int from;

            WatchBody(int from) {
                this.from = from;
            }

            @Override
            public long getContentLength() {
                return -1;
            }

            @Override
            public void writeTo(BufferedSink sink) throws IOException {
                int sent = from;
                long nextBookmark = System.nanoTime();
                while (!closed) {
                    while (sent < names.size()) {
                        sink.writeUtf8("{\"type\":\"ADDED\",\"object\":" + service(sent) + "}\n");
                        sent++;
                    }
                    if (System.nanoTime() >= nextBookmark) {
                        sink.writeUtf8("{\"type\":\"BOOKMARK\",\"object\":{\"kind\":\"Service\",\"apiVersion\":\"v1\","
                                + "\"metadata\":{\"resourceVersion\":\"" + sent + "\"}}}\n");
                        bookmarks.incrementAndGet();
                        nextBookmark += BOOKMARK.toNanos();
                    }
                    sink.flush();
                    try {
                        Thread.sleep(20);
                    } catch (InterruptedException e) {
                        return;
                    }
                }
            }
        }
    }
}
