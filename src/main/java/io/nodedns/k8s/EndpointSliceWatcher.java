package io.nodedns.k8s;

import com.google.gson.reflect.TypeToken;
import io.kubernetes.client.openapi.ApiClient;
import io.kubernetes.client.openapi.ApiException;
import io.kubernetes.client.openapi.apis.DiscoveryV1Api;
import io.kubernetes.client.openapi.models.V1EndpointSlice;
import io.kubernetes.client.openapi.models.V1EndpointSliceList;
import io.kubernetes.client.openapi.models.V1ListMeta;
import io.kubernetes.client.openapi.models.V1ObjectMeta;
import io.kubernetes.client.openapi.models.V1Status;
import io.kubernetes.client.util.Watch;
import io.nodedns.log.Log;
import java.io.IOException;
import java.lang.reflect.Type;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A list+watch loop on the EndpointSlices of one Service ({@code kubernetes.io/service-name=NAME}
 * in one namespace), shared by every kubeforward block and reload that asks for the same Service
 * through {@link WatcherRegistry}. Listeners hear "something changed" on the loop's thread and read
 * {@link #slices()} themselves (they coalesce bursts).
 *
 * <p>Our own reflector instead of client-java's informer: the informer relists on a fixed ~1 s
 * period and logs every failure with a stack trace through slf4j; here a failed list or watch
 * keeps the last known slices and retries after an exponential {@link Backoff} with jitter
 * (0.5 s doubling to 30 s, reset by a successful list or watch), with exactly one log line per
 * retry step; the backoff starts over once a watch proves healthy (an event or bookmark, or open
 * for a second), not on a list alone. After a failure the loop relists (it cannot know what it missed); after a watch
 * ends normally (server timeout) it watches again from the last resourceVersion; a 410 Gone
 * relists at once. Staleness is the time since the last successful list, watch start, event or
 * bookmark.
 */
public final class EndpointSliceWatcher {
    public static final String SERVICE_NAME_LABEL = "kubernetes.io/service-name";
    static final String LOG = "kubeforward";
    /** A watch that ends without any event sooner than this counts as a failure (no hot loop). */
    static final Duration MIN_QUIET_WATCH = Duration.ofSeconds(1);
    private static final Type WATCH_TYPE = new TypeToken<Watch.Response<V1EndpointSlice>>() {}.getType();

    private final KubeClientConfig client;
    private final String namespace;
    private final String service;
    private final String selector;
    private final List<Runnable> listeners = new CopyOnWriteArrayList<>();
    private final Backoff backoff;
    private volatile Map<String, V1EndpointSlice> cache = Map.of();
    private volatile boolean synced;
    private volatile boolean degraded;
    private volatile boolean running;
    private volatile long lastSuccessNanos; // System.nanoTime() of the last success, 0 = never
    private volatile long lastSuccessEpochMillis;
    private volatile int consecutiveFailures;
    private final AtomicLong apiErrors = new AtomicLong();
    private final AtomicLong relists = new AtomicLong();
    private final AtomicLong tableSwaps = new AtomicLong();
    private volatile int endpointsUsed;
    private volatile Watch<V1EndpointSlice> currentWatch;
    private Thread loop;
    int references; // guarded by the registry
    long releasedAt; // guarded by the registry: when references last dropped to 0

    EndpointSliceWatcher(KubeClientConfig client, String namespace, String service) {
        this(client, namespace, service, new Backoff());
    }

    EndpointSliceWatcher(KubeClientConfig client, String namespace, String service, Backoff backoff) {
        this.client = client;
        this.namespace = namespace;
        this.service = service;
        this.selector = SERVICE_NAME_LABEL + "=" + service;
        this.backoff = backoff;
    }

    public String describe() {
        return namespace + "/" + service;
    }

    synchronized void start() throws IOException {
        if (loop != null) {
            return;
        }
        ApiClient lister = client.newClient();
        lister.setReadTimeout(30_000);
        ApiClient watcher = client.newClient();
        running = true;
        loop = Thread.ofPlatform().daemon().name("nodedns-k8s-watch-" + describe())
                .start(() -> run(lister, watcher));
    }

    synchronized void stop() {
        if (loop == null) {
            return;
        }
        running = false;
        closeWatch();
        loop.interrupt();
        loop = null;
    }

    private void closeWatch() {
        Watch<V1EndpointSlice> w = currentWatch;
        if (w != null) {
            try {
                w.close();
            } catch (IOException | RuntimeException ignored) {
                // closing a broken stream
            }
        }
    }

    private void run(ApiClient lister, ApiClient watcher) {
        DiscoveryV1Api listApi = new DiscoveryV1Api(lister);
        DiscoveryV1Api watchApi = new DiscoveryV1Api(watcher);
        String resourceVersion = null; // null: list first
        while (running) {
            String phase = resourceVersion == null ? "list" : "watch";
            try {
                if (resourceVersion == null) {
                    resourceVersion = list(listApi);
                }
                phase = "watch";
                resourceVersion = watch(watchApi, watcher, resourceVersion);
            } catch (Gone e) {
                resourceVersion = null; // history compacted: relist now, no failure
                relists.incrementAndGet();
            } catch (Exception e) {
                if (!running) {
                    return;
                }
                resourceVersion = null;
                Duration delay = failed(phase, e);
                try {
                    TimeUnit.NANOSECONDS.sleep(delay.toNanos());
                } catch (InterruptedException ie) {
                    return;
                }
            }
        }
    }

    /** Lists the slices, replaces the cache; returns the list's resourceVersion. */
    private String list(DiscoveryV1Api api) throws ApiException {
        V1EndpointSliceList list = api.listNamespacedEndpointSlice(namespace).labelSelector(selector).execute();
        if (!running) {
            throw new ApiException("stopped");
        }
        Map<String, V1EndpointSlice> next = new HashMap<>();
        for (V1EndpointSlice s : list.getItems()) {
            next.put(name(s), s);
        }
        cache = Map.copyOf(next);
        V1ListMeta meta = list.getMetadata();
        String rv = meta == null || meta.getResourceVersion() == null ? "" : meta.getResourceVersion();
        boolean first = !synced;
        synced = true;
        fresh();
        if (first) {
            Log.info(LOG, "EndpointSlices of " + describe() + " synced");
        }
        changed();
        return rv;
    }

    /** Watches from rv until the stream ends; returns the last resourceVersion seen. */
    private String watch(DiscoveryV1Api api, ApiClient client, String rv) throws Exception {
        int timeout = 300 + ThreadLocalRandom.current().nextInt(300); // like client-go: 5 to 10 min
        ApiClient c = client; // only this loop uses it: a read timeout above the watch's own
        c.setReadTimeout((timeout + 30) * 1000);
        okhttp3.Call call = api.listNamespacedEndpointSlice(namespace).labelSelector(selector).resourceVersion(rv)
                .watch(true).allowWatchBookmarks(true).timeoutSeconds(timeout).buildCall(null);
        long opened = System.nanoTime();
        boolean events = false;
        try (Watch<V1EndpointSlice> w = Watch.createWatch(c, call, WATCH_TYPE)) {
            currentWatch = w;
            if (!running) {
                return rv;
            }
            fresh();
            Thread.ofVirtual().start(() -> { // an open, quiet watch is healthy after a while
                try {
                    Thread.sleep(MIN_QUIET_WATCH.toMillis());
                } catch (InterruptedException e) {
                    return;
                }
                if (running && currentWatch == w) {
                    healthy();
                }
            });
            for (Watch.Response<V1EndpointSlice> ev : w) {
                if (!running) {
                    return rv;
                }
                events = true;
                if ("ERROR".equals(ev.type)) {
                    V1Status s = ev.status;
                    if (s != null && s.getCode() != null && s.getCode() == 410) {
                        throw new Gone();
                    }
                    throw new IOException("watch error event: " + (s == null ? "no status"
                            : s.getCode() + " " + s.getReason() + " " + s.getMessage()));
                }
                V1EndpointSlice obj = ev.object;
                if (obj == null || obj.getMetadata() == null) {
                    continue;
                }
                String next = obj.getMetadata().getResourceVersion();
                switch (ev.type) {
                    case "ADDED", "MODIFIED" -> put(obj);
                    case "DELETED" -> remove(obj);
                    default -> { } // BOOKMARK: only the resourceVersion
                }
                if (next != null) {
                    rv = next;
                }
                fresh();
                healthy();
            }
        } finally {
            currentWatch = null;
        }
        if (!events && System.nanoTime() - opened < MIN_QUIET_WATCH.toNanos()) {
            throw new IOException("watch closed at once");
        }
        healthy();
        return rv;
    }

    private void put(V1EndpointSlice s) {
        Map<String, V1EndpointSlice> next = new HashMap<>(cache);
        next.put(name(s), s);
        cache = Map.copyOf(next);
        changed();
    }

    private void remove(V1EndpointSlice s) {
        Map<String, V1EndpointSlice> next = new HashMap<>(cache);
        if (next.remove(name(s)) != null) {
            cache = Map.copyOf(next);
            changed();
        }
    }

    private static String name(V1EndpointSlice s) {
        V1ObjectMeta m = s.getMetadata();
        return m == null || m.getName() == null ? "" : m.getName();
    }

    /** A successful list, watch start, event or bookmark: the cache is current as of now. */
    private void fresh() {
        lastSuccessNanos = System.nanoTime();
        lastSuccessEpochMillis = System.currentTimeMillis();
    }

    /**
     * The watch works (an event or bookmark arrived, or it stayed open {@link #MIN_QUIET_WATCH}):
     * the backoff starts over. A successful list alone does not reset it, so a server that lists
     * but drops every watch at once is still retried ever more slowly.
     */
    private synchronized void healthy() {
        if (consecutiveFailures > 0 || degraded) {
            int n = consecutiveFailures;
            consecutiveFailures = 0;
            degraded = false;
            backoff.reset();
            Log.info(LOG, "watching EndpointSlices of " + describe() + " again after " + n + " failed attempts");
        }
    }

    /** Counts a failure, logs one line, returns the delay before the next attempt. */
    private synchronized Duration failed(String phase, Exception e) {
        apiErrors.incrementAndGet();
        int n = ++consecutiveFailures;
        degraded = true;
        Duration delay = backoff.next();
        String kept = synced ? "keeping the last known " + cache.size() + " EndpointSlices"
                : "no EndpointSlices known yet";
        Log.warning(LOG, describe() + ": " + phase + " EndpointSlices failed (attempt " + n + "): " + brief(e)
                + "; " + kept + ", retrying in " + String.format(java.util.Locale.ROOT, "%.1fs", delay.toMillis() / 1000.0));
        return delay;
    }

    /** One line, no stack trace: "HTTP 500 Internal Server Error" or "ConnectException: Connection refused". */
    static String brief(Throwable e) {
        if (e instanceof ApiException a && a.getCode() > 0) {
            return "HTTP " + a.getCode();
        }
        Throwable t = e;
        if (e instanceof ApiException && e.getCause() != null) {
            t = e.getCause();
        } else if (e instanceof RuntimeException && e.getCause() instanceof IOException io) {
            t = io; // Watch's iterator wraps read errors
        }
        String m = t.getMessage();
        String text = t.getClass().getSimpleName() + (m == null || m.isBlank() ? "" : ": " + m);
        text = text.replaceAll("[\\r\\n\\t]+", " ").strip();
        return text.length() > 200 ? text.substring(0, 200) + "..." : text;
    }

    private void changed() {
        for (Runnable r : listeners) {
            try {
                r.run();
            } catch (RuntimeException e) {
                Log.error(LOG, "endpoint listener failed: " + brief(e));
            }
        }
    }

    /** True once the slices were listed; stays true through later outages. */
    public boolean synced() {
        return synced;
    }

    /** True from a failed list or watch until the next success (a staleness hint). */
    public boolean degraded() {
        return degraded;
    }

    /** The slices of the Service as last seen (empty before the first sync). */
    public List<V1EndpointSlice> slices() {
        return synced ? List.copyOf(cache.values()) : List.of();
    }

    /** Failed list/watch attempts since the last success (0 when healthy). */
    public int consecutiveFailures() {
        return consecutiveFailures;
    }

    /** Failed list/watch attempts since the watcher started. */
    public long apiErrorsTotal() {
        return apiErrors.get();
    }

    /** A user (kubeforward) published a list of n upstreams to its forwarders' tables. */
    public void published(int n) {
        endpointsUsed = n;
        tableSwaps.incrementAndGet();
    }

    /** Upstreams in the last published list (several users of one Service: the last one's). */
    public int endpointsUsed() {
        return endpointsUsed;
    }

    /** Lists published to forwarders' tables by all users of this watcher. */
    public long tableSwapsTotal() {
        return tableSwaps.get();
    }

    public String namespace() {
        return namespace;
    }

    public String service() {
        return service;
    }

    /** Relists forced by 410 Gone (not failures). */
    public long relistsTotal() {
        return relists.get();
    }

    /** Unix time (seconds) of the last successful list, watch start, event or bookmark; 0 if never. */
    public double lastSuccessfulSyncSeconds() {
        return lastSuccessEpochMillis / 1000.0;
    }

    /** Time since the last successful list, watch start, event or bookmark; null if never. */
    public Duration staleness() {
        long t = lastSuccessNanos;
        return lastSuccessEpochMillis == 0 ? null : Duration.ofNanos(System.nanoTime() - t);
    }

    public void addListener(Runnable r) {
        listeners.add(r);
    }

    public void removeListener(Runnable r) {
        listeners.remove(r);
    }

    /** The watch's history was compacted (410 Gone). */
    private static final class Gone extends Exception {
        Gone() {
            super(null, null, false, false);
        }
    }
}
