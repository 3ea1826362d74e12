package io.nodedns.k8stest;

import com.google.gson.JsonObject;
import com.sun.net.httpserver.HttpServer;
import io.kubernetes.client.openapi.ApiClient;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.BindException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Predicate;

/**
 * A protocol-faithful stand-in Kubernetes API server for watcher tests: JDK HTTP server on 127.0.0.1,
 * virtual threads, Gson objects. Serves v1 Services, Namespaces, Pods, discovery.k8s.io/v1 EndpointSlices
 * and the multicluster.x-k8s.io ServiceImport CRD (configurable versions), discovery documents, list with
 * selectors and limit/continue, and chunked HTTP watches with resourceVersion replay, bookmarks, 410 Gone
 * and timeouts. Tests drive state through the Java methods (or HTTP) and inject faults.
 *
 * <pre>{@code
 * try (StandInApiServer api = StandInApiServer.builder().historySize(50).start()) {
 *     api.create(KubeObjects.serviceSlice("default", "web-1", "web", "10.0.0.1"));
 *     SharedInformerFactory factory = new SharedInformerFactory(api.informerClient());
 *     CoreV1Api calls = new CoreV1Api(api.apiClient());
 * }
 * }</pre>
 */
public final class StandInApiServer implements AutoCloseable {
    static {
        // Without TCP_NODELAY small watch chunks can wait ~40 ms for delayed ACKs. Read once per JVM.
        System.setProperty("sun.net.httpserver.nodelay", "true");
    }

    /** Timing settings. */
    record Settings(Duration bookmarkInterval, Duration maxWatchTimeout, Duration tooLargeResourceVersionWait) {
    }

    /** Configuration; {@link #start()} builds and starts the server. */
    public static final class Builder {
        private int port;
        private int historySize = 1000;
        private Duration bookmarkInterval = Duration.ofSeconds(1);
        private Duration maxWatchTimeout = Duration.ofMinutes(30);
        private Duration tooLargeWait = Duration.ofSeconds(3);
        private List<String> serviceImportVersions = List.of("v1alpha1");
        private boolean requireNamespaces;
        private boolean tls;
        private Authn authn;
        private final List<ResourceType> extra = new ArrayList<>();

        private Builder() {}

        /** Port on 127.0.0.1; 0 (default) picks a free one, kept across stop()/start(). */
        public Builder port(int port) {
            this.port = port;
            return this;
        }

        /** Events kept per resource for watch replay; older RVs get 410 Expired (default 1000). */
        public Builder historySize(int events) {
            this.historySize = events;
            return this;
        }

        /** Interval of BOOKMARK events on watches with allowWatchBookmarks=true (default 1 s). */
        public Builder bookmarkInterval(Duration interval) {
            this.bookmarkInterval = interval;
            return this;
        }

        /** Watch length when the request has no timeoutSeconds (default 30 min). */
        public Builder maxWatchTimeout(Duration timeout) {
            this.maxWatchTimeout = timeout;
            return this;
        }

        /** How long a list/watch at a future RV waits before 504 "Too large resource version" (default 3 s, as the API server). */
        public Builder tooLargeResourceVersionWait(Duration wait) {
            this.tooLargeWait = wait;
            return this;
        }

        /** Served ServiceImport versions, preferred first (default v1alpha1); none removes the CRD. */
        public Builder serviceImportVersions(String... versions) {
            this.serviceImportVersions = List.of(versions);
            return this;
        }

        /** Reject creating namespaced objects in a missing Namespace with 404, like the API server (default off). */
        public Builder requireNamespaces(boolean on) {
            this.requireNamespaces = on;
            return this;
        }

        /**
         * Serves HTTPS with {@link TestPki}'s server certificate (SANs 127.0.0.1 and {@link TestPki#SERVER_NAME}),
         * asking for a client certificate issued by its CA (not requiring one: other authenticators may apply).
         */
        public Builder tls() {
            this.tls = true;
            return this;
        }

        /** Requires a credential this accepts on every request (401 otherwise), as an API server without anonymous auth. */
        public Builder authn(Authn authn) {
            this.authn = authn;
            return this;
        }

        /** Serves an additional resource type. */
        public Builder resource(ResourceType type) {
            extra.add(type);
            return this;
        }

        public StandInApiServer start() {
            List<ResourceType> types = new ArrayList<>(List.of(ResourceType.NAMESPACES, ResourceType.SERVICES,
                    ResourceType.PODS, ResourceType.ENDPOINT_SLICES));
            if (!serviceImportVersions.isEmpty()) {
                types.add(ResourceType.serviceImports(serviceImportVersions));
            }
            types.addAll(extra);
            StandInApiServer s = new StandInApiServer(this, types);
            s.start();
            return s;
        }
    }

    private final ObjectStore store;
    private final Faults faults = new Faults();
    private final Settings settings;
    private final Set<WatchStream> openWatches = ConcurrentHashMap.newKeySet();
    private final AtomicLong bookmarksSent = new AtomicLong();
    private final boolean tls;
    private final Authn authn;
    private int port;
    private HttpServer http;
    private ExecutorService executor;

    private StandInApiServer(Builder b, List<ResourceType> types) {
        this.store = new ObjectStore(types, b.historySize, b.requireNamespaces);
        this.settings = new Settings(b.bookmarkInterval, b.maxWatchTimeout, b.tooLargeWait);
        this.port = b.port;
        this.tls = b.tls;
        this.authn = b.authn;
    }

    public static Builder builder() {
        return new Builder();
    }

    // ---- lifecycle ----

    /** Starts (or restarts after {@link #stop()}) on the same port, with the same objects and history. */
    public synchronized void start() {
        if (http != null) {
            return;
        }
        long deadline = System.nanoTime() + Duration.ofSeconds(5).toNanos();
        while (true) {
            try {
                InetSocketAddress at = new InetSocketAddress(InetAddress.getLoopbackAddress(), port);
                if (tls) {
                    com.sun.net.httpserver.HttpsServer https = com.sun.net.httpserver.HttpsServer.create(at, 128);
                    https.setHttpsConfigurator(tlsConfigurator());
                    http = https;
                } else {
                    http = HttpServer.create(at, 128);
                }
                break;
            } catch (BindException e) {
                if (port == 0 || System.nanoTime() > deadline) {
                    throw new UncheckedIOException(e);
                }
                sleep(50);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        port = http.getAddress().getPort();
        executor = Executors.newVirtualThreadPerTaskExecutor();
        http.setExecutor(executor);
        DiscoveryDocs docs = new DiscoveryDocs(store.types(), "127.0.0.1:" + port);
        http.createContext("/", new ApiHandler(store, faults, docs, settings, openWatches, bookmarksSent, authn));
        http.start();
    }

    /** Kills the server: open watches are cut without a terminating chunk, connections dropped, port closed. State is kept. */
    public synchronized void stop() {
        if (http == null) {
            return;
        }
        for (WatchStream w : openWatches) {
            w.close(false);
        }
        http.stop(0);
        executor.shutdown();
        http = null;
    }

    public synchronized boolean isRunning() {
        return http != null;
    }

    @Override
    public void close() {
        stop();
    }

    public synchronized int port() {
        return port;
    }

    /** http://127.0.0.1:PORT, or https:// when serving TLS. */
    public String url() {
        return (tls ? "https" : "http") + "://127.0.0.1:" + port();
    }

    private static com.sun.net.httpserver.HttpsConfigurator tlsConfigurator() {
        try {
            TestPki pki = TestPki.get();
            javax.net.ssl.KeyManagerFactory kmf = javax.net.ssl.KeyManagerFactory.getInstance("PKIX");
            kmf.init(pki.serverKeyStore(), TestPki.pass());
            javax.net.ssl.TrustManagerFactory tmf = javax.net.ssl.TrustManagerFactory.getInstance("PKIX");
            tmf.init(pki.trustStore());
            javax.net.ssl.SSLContext ctx = javax.net.ssl.SSLContext.getInstance("TLS");
            ctx.init(kmf.getKeyManagers(), tmf.getTrustManagers(), null);
            return new com.sun.net.httpserver.HttpsConfigurator(ctx) {
                @Override
                public void configure(com.sun.net.httpserver.HttpsParameters params) {
                    javax.net.ssl.SSLParameters p = ctx.getDefaultSSLParameters();
                    p.setWantClientAuth(true); // verified against the CA when offered; a rogue one fails the handshake
                    params.setSSLParameters(p);
                }
            };
        } catch (Exception e) {
            throw new IllegalStateException("stand-in TLS setup: " + e.getMessage(), e);
        }
    }

    // ---- state, driven directly by tests ----

    /** Creates an object (its type from apiVersion and kind); returns the stored copy with RV, uid, creationTimestamp. */
    public JsonObject create(JsonObject object) {
        return store.create(typeOf(object), object).deepCopy();
    }

    /** Replaces an object; a set metadata.resourceVersion must be current (409 Conflict otherwise). */
    public JsonObject update(JsonObject object) {
        return store.update(typeOf(object), object).deepCopy();
    }

    /** Creates or unconditionally replaces (metadata.resourceVersion is ignored). */
    public JsonObject apply(JsonObject object) {
        ResourceType type = typeOf(object);
        JsonObject o = object.deepCopy();
        if (o.get("metadata") instanceof JsonObject m) {
            m.remove("resourceVersion");
        }
        boolean exists = store.get(type, Json.meta(o, "namespace"), Json.meta(o, "name")) != null;
        return (exists ? store.update(type, o) : store.create(type, o)).deepCopy();
    }

    /** Deletes; returns the last state (with the deletion's RV). Namespace null for cluster-scoped types. */
    public JsonObject delete(ResourceType type, String namespace, String name) {
        return store.delete(type, namespace, name, null).deepCopy();
    }

    /** The stored object or null. */
    public JsonObject get(ResourceType type, String namespace, String name) {
        JsonObject o = store.get(type, namespace, name);
        return o == null ? null : o.deepCopy();
    }

    public List<JsonObject> list(ResourceType type) {
        return store.all(type).stream().map(JsonObject::deepCopy).toList();
    }

    /** The current global resourceVersion. */
    public long resourceVersion() {
        return store.resourceVersion();
    }

    /** Served types, and the served ServiceImport type (null if not served). */
    public List<ResourceType> types() {
        return store.types();
    }

    public ResourceType serviceImports() {
        return store.types().stream().filter(t -> t.group().equals(ResourceType.MCS_GROUP)
                && t.plural().equals("serviceimports")).findFirst().orElse(null);
    }

    /** Like an etcd compaction: watches and continue tokens from any RV up to now get 410 Expired. */
    public void compactHistory() {
        store.compact();
    }

    /** Jumps the global resourceVersion forward (like another etcd). */
    public void advanceResourceVersion(long to) {
        store.advanceResourceVersion(to);
    }

    public void requireNamespaces(boolean on) {
        store.requireNamespaces(on);
    }

    // ---- fault injection ----

    /** Answers every request with this HTTP status and a Status body (429/503 add Retry-After: 1). */
    public void failRequests(int status) {
        faults.failAll(status, r -> true);
    }

    /** Answers matching requests with this status. */
    public void failRequests(int status, Predicate<RecordedRequest> which) {
        faults.failAll(status, which);
    }

    /** Answers the next {@code count} requests with this status. */
    public void failNextRequests(int count, int status) {
        faults.failNext(count, status);
    }

    /** Delays every response by this long before handling (a watch: before its first byte). */
    public void delayResponses(Duration delay) {
        faults.delay(delay, r -> true);
    }

    public void delayResponses(Duration delay, Predicate<RecordedRequest> which) {
        faults.delay(delay, which);
    }

    /** The next {@code n} watch requests get a single 410 Expired ERROR event and end. */
    public void expireNextWatches(int n) {
        faults.expireNextWatches(n);
    }

    /** The Retry-After seconds sent with injected 429 and 503 answers (default 1). */
    public void retryAfter(int seconds) {
        faults.retryAfter(seconds);
    }

    /** Answers matching authenticated requests 403 with the API server's RBAC message. */
    public void forbid(Predicate<RecordedRequest> which) {
        faults.forbid(which);
    }

    /** Every list request with a continue token gets 410 Expired (a list slower than etcd's compaction). */
    public void expireContinueTokens(boolean on) {
        faults.expireContinueTokens(on);
    }

    /** Clears failure, delay and forced-expiry modes. */
    public void clearFaults() {
        faults.clear();
    }

    /** Ends every open watch cleanly (terminating chunk), as an API server does at a watch timeout. Returns how many. */
    public int closeAllWatches() {
        int n = 0;
        for (WatchStream w : openWatches) {
            w.close(true);
            n++;
        }
        return n;
    }

    /** Open watch streams (a stream whose client vanished is noticed at its next write). */
    public int openWatchCount() {
        return openWatches.size();
    }

    public int openWatchCount(ResourceType type) {
        return (int) openWatches.stream().filter(w -> w.type().resourceName().equals(type.resourceName())).count();
    }

    public long bookmarksSent() {
        return bookmarksSent.get();
    }

    // ---- request log ----

    public List<RecordedRequest> requests() {
        return faults.requests();
    }

    /** Requests whose path equals {@code path} (any method, watch or not). */
    public int requestCount(String path) {
        return requestCount(r -> r.path().equals(path));
    }

    public int requestCount(Predicate<RecordedRequest> which) {
        return (int) faults.requests().stream().filter(which).count();
    }

    public void clearRequests() {
        faults.clearRequests();
    }

    // ---- clients ----

    /** Writes a kubeconfig for http://127.0.0.1:PORT without credentials; default namespace "default". */
    public Path writeKubeconfig(Path file) {
        return KubeClients.writeKubeconfig(file, url(), "default");
    }

    /** A new ApiClient for request/response calls to this server (read timeout 10 s). */
    public ApiClient apiClient() {
        return KubeClients.apiClient(url(), Duration.ofSeconds(10));
    }

    /** A new ApiClient for a SharedInformerFactory (read timeout 0, which the factory requires). */
    public ApiClient informerClient() {
        return KubeClients.informerClient(url());
    }

    private ResourceType typeOf(JsonObject o) {
        String apiVersion = o.has("apiVersion") ? o.get("apiVersion").getAsString() : "";
        String kind = o.has("kind") ? o.get("kind").getAsString() : "";
        return store.types().stream()
                .filter(t -> t.kind().equals(kind)
                        && t.versions().stream().anyMatch(v -> t.apiVersion(v).equals(apiVersion)))
                .findFirst()
                .orElseThrow(
                        () -> new IllegalArgumentException("not served: apiVersion=" + apiVersion + " kind=" + kind));
    }

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
