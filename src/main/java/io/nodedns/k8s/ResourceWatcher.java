package io.nodedns.k8s;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.reflect.TypeToken;
import io.kubernetes.client.openapi.ApiClient;
import io.kubernetes.client.openapi.ApiException;
import io.kubernetes.client.openapi.Pair;
import io.kubernetes.client.openapi.models.V1Status;
import io.kubernetes.client.util.Watch;
import io.nodedns.log.Log;
import java.io.IOException;
import java.lang.reflect.Type;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;

/**
 * A list+watch loop on one resource collection (optionally one namespace and a label selector),
 * keeping a map of converted objects. Listeners hear "something changed" on the loop's thread and
 * read {@link #items()} themselves (they coalesce bursts).
 *
 * <p>Our own reflector instead of client-java's informer: the informer relists on a fixed ~1 s
 * period and logs every failure with a stack trace through slf4j; here a failed list or watch
 * keeps the last known objects and retries after an exponential {@link Backoff} with jitter (0.5 s
 * doubling to 30 s), with exactly one log line per retry step; the backoff starts over once a watch
 * proves healthy (an event or bookmark, or open for a second), not on a list alone. After a failure
 * the loop relists (it cannot know what it missed); after a watch ends normally (server timeout)
 * it watches again from the last resourceVersion; a 410 Gone on a watch relists at once. Lists are
 * read in chunks of {@link #PAGE} objects. Objects the converter rejects (returns null for) are
 * skipped and counted, never fatal.
 *
 * <p>API server load, as client-go's reflector: the first list asks for {@code resourceVersion=0},
 * served from the API server's watch cache instead of etcd (thousands of nodes starting at once),
 * and falls back to a consistent list when the server refuses it (410 or 504); relists after a
 * watch's 410 read from etcd. A continue token that expires mid-list (the list took longer than
 * etcd's compaction window) restarts the list after the backoff with a log line, never in a hot
 * loop; a 429 or 503 waits at least its Retry-After. List and watch share one client, so a
 * watcher holds one connection.
 *
 * <p>Liveness: a watch silent for {@link #SILENCE} (no event, no bookmark) is presumed lost and
 * started again from its last resourceVersion, logged once with how stale the view may be.
 *
 * @param <T> the converted object kept per {@code namespace/name}
 */
public final class ResourceWatcher<T> {
    /** A watch that ends without any event sooner than this counts as a failure (no hot loop). */
    static final Duration MIN_QUIET_WATCH = Duration.ofSeconds(1);
    /**
     * A watch that delivers nothing (no event, no bookmark) for this long is presumed dead: the API
     * server sends a bookmark about once a minute, and a connection lost without FIN or RST would
     * otherwise go unnoticed until TCP gives up (HTTP/1.1: timeoutSeconds + 30 s, up to 10.5 min).
     * The read timeout covers HTTP/1.1 and each HTTP/2 stream alike.
     */
    static final Duration SILENCE = Duration.ofSeconds(90);
    static final int PAGE = 500;
    private static final Type WATCH_TYPE = new TypeToken<Watch.Response<JsonObject>>() {}.getType();
    private static final String[] AUTH = {"BearerToken"};

    private final KubeClientConfig client;
    private final ResourceRef[] candidates; // tried in turn when a list answers 404 (CRD versions)
    private volatile ResourceRef resource;
    private final String namespace; // null: all namespaces
    private final String selector; // null: none
    private final String logPlugin;
    private final String subject;
    private final Function<JsonObject, T> convert;
    private final List<Runnable> listeners = new CopyOnWriteArrayList<>();
    private final List<Changes<T>> observers = new CopyOnWriteArrayList<>();
    private final Backoff backoff;
    private volatile Map<String, T> cache = new ConcurrentHashMap<>(); // changed in place by events, replaced by a list
    private volatile boolean synced;
    private volatile boolean degraded;
    private volatile boolean running;
    private volatile long lastSuccessNanos;
    private volatile long lastSuccessEpochMillis;
    private volatile int consecutiveFailures;
    private final AtomicLong apiErrors = new AtomicLong();
    private final AtomicLong relists = new AtomicLong();
    private final AtomicLong skipped = new AtomicLong();
    private final AtomicLong stalls = new AtomicLong();
    private volatile boolean bookmarksSeen; // the server sends bookmarks: silence means a lost connection
    private volatile Duration silence = SILENCE;
    private volatile boolean cachedListRefused;
    private boolean probed; // the served version of a multi-version resource is known (loop thread only) // the server answered resourceVersion=0 with 410/504
    private volatile Watch<JsonObject> currentWatch;
    private Thread loop;

    /**
     * @param subject what the objects belong to in log lines, e.g. "kube-system/kube-dns" gives
     *     "list EndpointSlices of kube-system/kube-dns failed"
     */
    public ResourceWatcher(KubeClientConfig client, ResourceRef resource, String namespace, String selector,
            String logPlugin, String subject, Function<JsonObject, T> convert, Backoff backoff) {
        this(client, new ResourceRef[] {resource}, namespace, selector, logPlugin, subject, convert, backoff);
    }

    /**
     * Watches the first of several versions of a resource that the API server serves, found with one
     * discovery request (GET /apis/GROUP) before the first list and again after a list answered 404,
     * so "v1beta1 when served, else v1alpha1" follows a CRD upgrade or downgrade without failing.
     */
    public ResourceWatcher(KubeClientConfig client, ResourceRef[] versions, String namespace, String selector,
            String logPlugin, String subject, Function<JsonObject, T> convert, Backoff backoff) {
        this.client = client;
        this.candidates = versions.clone();
        this.resource = versions[0];
        this.namespace = namespace;
        this.selector = selector;
        this.logPlugin = logPlugin;
        this.subject = subject;
        this.convert = convert;
        this.backoff = backoff;
    }

    /** "EndpointSlices of kube-system/kube-dns": the subject of log lines. */
    /** The resource (version) in use. */
    public ResourceRef resource() {
        return resource;
    }

    public String describe() {
        return resource.logName() + " of " + subject;
    }

    public synchronized void start() throws IOException {
        if (loop != null) {
            return;
        }
        ApiClient api = client.newClient(); // lists and watches take turns on its one connection
        running = true;
        loop = Thread.ofPlatform().daemon().name("nodedns-k8s-watch-" + resource.plural()
                + (namespace == null ? "" : "-" + namespace)).start(() -> run(api));
    }

    public synchronized void stop() {
        if (loop == null) {
            return;
        }
        running = false;
        Watch<JsonObject> w = currentWatch;
        if (w != null) {
            try {
                w.close();
            } catch (IOException | RuntimeException ignored) {
                // closing a broken stream
            }
        }
        loop.interrupt();
        loop = null;
    }

    private void run(ApiClient api) {
        String resourceVersion = null; // null: list first
        while (running) {
            String phase = resourceVersion == null ? "list" : "watch";
            try {
                if (resourceVersion == null) {
                    resourceVersion = list(api);
                }
                phase = "watch";
                resourceVersion = watch(api, resourceVersion);
            } catch (Gone e) {
                resourceVersion = null; // history compacted: relist now, no failure
                relists.incrementAndGet();
            } catch (Silent e) {
                resourceVersion = e.resourceVersion; // watch again from where the stream went quiet
                if (bookmarksSeen) {
                    stalls.incrementAndGet();
                    Duration stale = staleness();
                    Log.warning(logPlugin, subject + ": watch " + resource.logName() + " silent for "
                            + silence.toSeconds() + "s (no event or bookmark): connection presumed lost, the view may"
                            + " have been stale for up to " + (stale == null ? "?" : stale.toSeconds()) + "s; watching again");
                }
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

    private okhttp3.Call call(ApiClient c, List<Pair> query) throws ApiException {
        if (selector != null) {
            query.addAll(c.parameterToPair("labelSelector", selector));
        }
        return c.buildCall(null, resource.path(namespace), "GET", query, new ArrayList<>(), null,
                new HashMap<>(Map.of("Accept", "application/json")), new HashMap<>(), new HashMap<>(), AUTH, null);
    }

    /**
     * Lists from the watch cache until the first sync (resourceVersion=0), from etcd after that or
     * when the server refuses the cached list.
     */
    private String list(ApiClient c) throws ApiException, IOException {
        if (candidates.length > 1 && !probed) {
            probe(c);
        }
        try {
            return listOnce(c);
        } catch (ApiException e) {
            if (e.getCode() != 404 || candidates.length < 2) {
                throw e;
            }
            ResourceRef before = resource; // the CRD's versions changed since the probe
            probe(c);
            if (resource.equals(before)) {
                throw e;
            }
            return listOnce(c);
        }
    }

    /**
     * Asks the API server which versions of the group it serves (GET /apis/GROUP, one request) and
     * uses the first candidate served, so a v1alpha1-only cluster is no failed list, no WARNING and
     * no backoff step at every start.
     */
    private void probe(ApiClient c) throws ApiException, IOException {
        String group = resource.group();
        c.setReadTimeout(30_000);
        okhttp3.Call call = c.buildCall(null, "/apis/" + group, "GET", new ArrayList<>(), new ArrayList<>(), null,
                new HashMap<>(Map.of("Accept", "application/json")), new HashMap<>(), new HashMap<>(), AUTH, null);
        JsonObject doc;
        try {
            doc = c.<JsonObject>execute(call, JsonObject.class).getData();
        } catch (ApiException e) {
            if (e.getCode() == 404) {
                throw new IOException("the API server serves no " + group + " API (is the " + resource.logName()
                        + " CRD installed?)", e);
            }
            throw e;
        }
        List<String> served = new ArrayList<>();
        for (JsonElement v : Json.array(doc, "versions")) {
            if (v.isJsonObject() && Json.string(v.getAsJsonObject(), "version") != null) {
                served.add(Json.string(v.getAsJsonObject(), "version"));
            }
        }
        for (ResourceRef r : candidates) {
            if (served.contains(r.version())) {
                resource = r;
                probed = true;
                return;
            }
        }
        throw new IOException("the API server serves " + group + " " + served + ", none of the versions nodedns reads "
                + java.util.Arrays.stream(candidates).map(ResourceRef::version).toList());
    }

    private String listOnce(ApiClient c) throws ApiException, IOException {
        boolean cached = !synced && !cachedListRefused;
        try {
            return list(c, cached ? "0" : null);
        } catch (ApiException e) {
            if (!cached || (e.getCode() != 410 && e.getCode() != 504)) {
                throw e;
            }
            cachedListRefused = true;
            Log.info(logPlugin, subject + ": the API server refused to list " + resource.logName()
                    + " from its cache (" + ApiErrors.brief(e) + "); listing from etcd");
            return list(c, null);
        }
    }

    /** Lists every page, replaces the cache; returns the list's resourceVersion. */
    private String list(ApiClient c, String fromRv) throws ApiException, IOException {
        c.setReadTimeout(30_000);
        Map<String, T> next = new ConcurrentHashMap<>();
        String cont = null;
        String rv;
        int pages = 0;
        do {
            List<Pair> q = new ArrayList<>(c.parameterToPair("limit", PAGE));
            if (cont != null) {
                q.addAll(c.parameterToPair("continue", cont));
            } else if (fromRv != null) {
                q.addAll(c.parameterToPair("resourceVersion", fromRv));
            }
            JsonObject page;
            try {
                page = c.<JsonObject>execute(call(c, q), JsonObject.class).getData();
                pages++;
            } catch (ApiException e) {
                if (e.getCode() == 410 && cont != null) { // a failure like any other: backoff and a log line
                    throw new IOException("the continue token expired after " + pages + " pages (" + ApiErrors.brief(e)
                            + "); the list starts over", e);
                }
                throw e;
            }
            if (!running) {
                throw new ApiException("stopped");
            }
            JsonArray items = Json.array(page, "items");
            for (JsonElement e : items) {
                if (e.isJsonObject()) {
                    accept(next, e.getAsJsonObject());
                }
            }
            JsonObject meta = Json.object(page, "metadata"); // null when absent or not an object
            rv = Json.string(meta, "resourceVersion");
            cont = Json.string(meta, "continue");
        } while (cont != null && !cont.isEmpty());
        Map<String, T> before = cache;
        cache = next;
        boolean first = !synced;
        synced = true;
        fresh();
        if (first) {
            Log.info(logPlugin, describe() + " synced");
        }
        for (Map.Entry<String, T> e : before.entrySet()) { // what the relist found gone or changed
            T now = next.get(e.getKey());
            if (now == null || !now.equals(e.getValue())) {
                observe(e.getValue(), now);
            }
        }
        for (Map.Entry<String, T> e : next.entrySet()) {
            if (!before.containsKey(e.getKey())) {
                observe(null, e.getValue());
            }
        }
        changed();
        return rv == null ? "" : rv;
    }

    private void accept(Map<String, T> into, JsonObject o) {
        String key = key(o);
        T t;
        try {
            t = key == null ? null : convert.apply(o);
        } catch (RuntimeException e) {
            t = null;
        }
        if (t == null) {
            skipped.incrementAndGet();
            if (key != null) {
                into.remove(key);
            }
            return;
        }
        into.put(key, t);
    }

    /** Watches from rv until the stream ends; returns the last resourceVersion seen. */
    private String watch(ApiClient c, String rv) throws Exception {
        int timeout = 300 + ThreadLocalRandom.current().nextInt(300); // like client-go: 5 to 10 min
        c.setReadTimeout((int) Math.min(silence.toMillis(), (timeout + 30) * 1000L)); // only this loop uses this client
        List<Pair> q = new ArrayList<>();
        q.addAll(c.parameterToPair("watch", true));
        q.addAll(c.parameterToPair("resourceVersion", rv));
        q.addAll(c.parameterToPair("allowWatchBookmarks", true));
        q.addAll(c.parameterToPair("timeoutSeconds", timeout));
        okhttp3.Call call = call(c, q);
        long opened = System.nanoTime();
        boolean events = false;
        try (Watch<JsonObject> w = Watch.createWatch(c, call, WATCH_TYPE)) {
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
            java.util.Iterator<Watch.Response<JsonObject>> stream = w.iterator();
            while (true) {
                Watch.Response<JsonObject> ev;
                try {
                    if (!stream.hasNext()) {
                        break;
                    }
                    ev = stream.next();
                } catch (RuntimeException e) { // Watch wraps read errors
                    if (e.getCause() instanceof java.net.SocketTimeoutException) {
                        throw new Silent(rv);
                    }
                    throw e;
                }
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
                JsonObject obj = ev.object;
                if (obj == null || Json.object(obj, "metadata") == null) {
                    continue;
                }
                String next = Json.string(Json.object(obj, "metadata"), "resourceVersion");
                switch (ev.type) {
                    case "ADDED", "MODIFIED" -> put(obj);
                    case "DELETED" -> remove(obj);
                    default -> bookmarksSeen |= "BOOKMARK".equals(ev.type); // only the resourceVersion
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

    /** One event: the cache changes in place (O(1), not a copy of the collection) and observers hear it. */
    private void put(JsonObject o) {
        String key = key(o);
        T before = key == null ? null : cache.get(key);
        accept(cache, o);
        T after = key == null ? null : cache.get(key);
        if (before != after) {
            observe(before, after);
            changed();
        }
    }

    private void remove(JsonObject o) {
        String key = key(o);
        T before = key == null ? null : cache.remove(key);
        if (before != null) {
            observe(before, null);
            changed();
        }
    }

    private void observe(T before, T after) {
        for (Changes<T> c : observers) {
            try {
                c.changed(before, after);
            } catch (RuntimeException e) {
                Log.error(logPlugin, "observer of " + describe() + " failed: " + ApiErrors.brief(e));
            }
        }
    }

    /** {@code namespace/name}, or null for an object without a name. */
    static String key(JsonObject o) {
        JsonObject m = Json.object(o, "metadata");
        String name = Json.string(m, "name");
        if (name == null) {
            return null;
        }
        String ns = Json.string(m, "namespace");
        return (ns == null ? "" : ns) + "/" + name;
    }

    private void fresh() {
        lastSuccessNanos = System.nanoTime();
        lastSuccessEpochMillis = System.currentTimeMillis();
    }

    private synchronized void healthy() {
        if (consecutiveFailures > 0 || degraded) {
            int n = consecutiveFailures;
            consecutiveFailures = 0;
            degraded = false;
            backoff.reset();
            Log.info(logPlugin, "watching " + describe() + " again after " + n + " failed attempts");
        }
    }

    /** Counts a failure, logs one line, returns the delay before the next attempt. */
    private synchronized Duration failed(String phase, Exception e) {
        apiErrors.incrementAndGet();
        int n = ++consecutiveFailures;
        degraded = true;
        Duration delay = backoff.next();
        Duration asked = ApiErrors.retryAfter(e);
        boolean told = asked != null && asked.compareTo(delay) > 0;
        if (told) {
            delay = asked;
        }
        String kept = synced ? "keeping the last known " + cache.size() + " " + resource.logName()
                : "no " + resource.logName() + " known yet";
        Log.warning(logPlugin, subject + ": " + phase + " " + resource.logName() + " failed (attempt " + n + "): " + ApiErrors.brief(e)
                + "; " + kept + ", retrying in " + String.format(java.util.Locale.ROOT, "%.1fs", delay.toMillis() / 1000.0)
                + (told ? " (Retry-After)" : ""));
        return delay;
    }

    private void changed() {
        for (Runnable r : listeners) {
            try {
                r.run();
            } catch (RuntimeException e) {
                Log.error(logPlugin, "listener of " + describe() + " failed: " + ApiErrors.brief(e));
            }
        }
    }

    /** True once listed; stays true through later outages. */
    public boolean synced() {
        return synced;
    }

    /** True from a failed list or watch until the next success. */
    public boolean degraded() {
        return degraded;
    }

    /** The objects as last seen (empty before the first sync). */
    public Collection<T> items() {
        return synced ? cache.values() : List.of();
    }

    public int consecutiveFailures() {
        return consecutiveFailures;
    }

    public long apiErrorsTotal() {
        return apiErrors.get();
    }

    /** Relists forced by 410 Gone (not failures). */
    public long relistsTotal() {
        return relists.get();
    }

    /** Objects the converter rejected (malformed or out of scope), since start. */
    public long skippedTotal() {
        return skipped.get();
    }

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

    /**
     * Hears every object change on the loop's thread, before the listeners: an event's object, or
     * after a list each object it added, changed or found gone. Replays nothing already seen.
     */
    public void addObserver(Changes<T> c) {
        observers.add(c);
    }

    /** One object change: before null when added, after null when deleted. */
    @FunctionalInterface
    public interface Changes<T> {
        void changed(T before, T after);
    }

    public void removeListener(Runnable r) {
        listeners.remove(r);
    }

    /** For tests: a shorter {@link #SILENCE}. */
    void silence(Duration d) {
        silence = d;
    }

    /** Watches presumed lost after {@link #SILENCE} without an event or bookmark (only counted once bookmarks were seen). */
    public long watchStallsTotal() {
        return stalls.get();
    }

    /** The watch delivered nothing for {@link #SILENCE}. */
    static final class Silent extends RuntimeException {
        final String resourceVersion;

        Silent(String resourceVersion) {
            super(null, null, false, false);
            this.resourceVersion = resourceVersion;
        }
    }

    /** The watch's history was compacted (410 Gone). */
    static final class Gone extends Exception {
        Gone() {
            super(null, null, false, false);
        }
    }
}
