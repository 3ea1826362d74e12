package io.nodedns.k8s;

import com.google.gson.JsonObject;
import com.google.gson.reflect.TypeToken;
import io.kubernetes.client.openapi.ApiClient;
import io.kubernetes.client.openapi.models.V1Status;
import io.kubernetes.client.util.Watch;
import io.nodedns.log.Log;
import java.io.IOException;
import java.lang.reflect.Type;
import java.time.Duration;
import java.util.Collection;
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
 * read in chunks of {@link ResourceLister#PAGE} objects. Objects the converter rejects (returns null for) are
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
 * <p>The parts: {@link ResourceLister} (version probe, chunked lists, conversion), {@link WatchHealth}
 * (failures, backoff, staleness); the loop and the watch stream are here.
 *
 * <p>Liveness: a watch silent for {@link #SILENCE} (no event, no bookmark) is presumed lost and
 * started again from its last resourceVersion, logged once with how stale the view may be.
 *
 * @param <T> the converted object kept per {@code namespace/name}
 */
public class ResourceWatcher<T> {
    /** A watch that ends without any event sooner than this counts as a failure (no hot loop). */
    static final Duration MIN_QUIET_WATCH = Duration.ofSeconds(1);
    /**
     * A watch that delivers nothing (no event, no bookmark) for this long is presumed dead: the API
     * server sends a bookmark about once a minute, and a connection lost without FIN or RST would
     * otherwise go unnoticed until TCP gives up (HTTP/1.1: timeoutSeconds + 30 s, up to 10.5 min).
     * The read timeout covers HTTP/1.1 and each HTTP/2 stream alike; on HTTP/2 the stalled
     * connection is then evicted from the pool so the next watch does not open a stream on it.
     */
    static final Duration SILENCE = Duration.ofSeconds(90);
    private static final Type WATCH_TYPE = new TypeToken<Watch.Response<JsonObject>>() {
    }.getType();

    private final KubeClientConfig client;
    private final ResourceLister<T> lister;
    private final String logPlugin;
    private final String subject;
    private final WatchHealth health;
    private final List<Runnable> listeners = new CopyOnWriteArrayList<>();
    private final List<Changes<T>> observers = new CopyOnWriteArrayList<>();
    private volatile Map<String, T> cache = new ConcurrentHashMap<>(); // changed in place by events, replaced by a list
    private volatile boolean synced;
    private volatile boolean running;
    private final AtomicLong stalls = new AtomicLong();
    private volatile boolean bookmarksSeen; // the server sends bookmarks: silence means a lost connection
    private volatile Duration silence = SILENCE;
    private volatile Watch<JsonObject> currentWatch;
    private Thread loop;

    /**
     * @param subject what the objects belong to in log lines, e.g. "kube-system/kube-dns" gives
     *     "list EndpointSlices of kube-system/kube-dns failed"
     */
    public ResourceWatcher(KubeClientConfig client, ResourceRef resource, String namespace, String selector,
            String logPlugin, String subject, Function<JsonObject, T> convert, Backoff backoff) {
        this(client, new ResourceRef[]{resource}, namespace, selector, logPlugin, subject, convert, backoff);
    }

    /**
     * Watches the first of several versions of a resource that the API server serves, found with one
     * discovery request (GET /apis/GROUP) before the first list and again after a list answered 404,
     * so "v1beta1 when served, else v1alpha1" follows a CRD upgrade or downgrade without failing.
     */
    public ResourceWatcher(KubeClientConfig client, ResourceRef[] versions, String namespace, String selector,
            String logPlugin, String subject, Function<JsonObject, T> convert, Backoff backoff) {
        this.client = client;
        this.lister = new ResourceLister<>(versions, namespace, selector, logPlugin, subject, convert);
        this.logPlugin = logPlugin;
        this.subject = subject;
        this.health = new WatchHealth(backoff, logPlugin);
    }

    /** The resource (version) in use. */
    public ResourceRef resource() {
        return lister.resource();
    }

    /** "EndpointSlices of kube-system/kube-dns": the subject of log lines. */
    public String describe() {
        return resource().logName() + " of " + subject;
    }

    public synchronized void start() throws IOException {
        if (loop != null) {
            return;
        }
        ApiClient api = client.newClient(); // lists and watches take turns on its one connection
        running = true;
        String ns = lister.namespace();
        loop = Thread.ofPlatform().daemon().name("nodedns-k8s-watch-" + resource().plural()
                + (ns == null ? "" : "-" + ns)).start(() -> run(api));
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
            } catch (Silent e) {
                resourceVersion = e.resourceVersion; // watch again from where the stream went quiet
                // HTTP/2: the read timeout cancels the stream, not its connection, which stays pooled
                // and passes for healthy until a ping goes unanswered (OkHttp waits 1 s for it): the
                // next watch would open a stream on the dead connection and wait out the silence again
                // (then fail and relist). This loop is the pool's only user; its one connection is idle now.
                api.getHttpClient().connectionPool().evictAll();
                if (bookmarksSeen) {
                    stalls.incrementAndGet();
                    Duration stale = staleness();
                    Log.warning(logPlugin, subject + ": watch " + resource().logName() + " silent for "
                            + silence.toSeconds() + "s (no event or bookmark): connection presumed lost, the view may"
                            + " have been stale for up to " + (stale == null ? "?" : stale.toSeconds())
                            + "s; watching again");
                }
            } catch (Exception e) {
                if (!running) {
                    return;
                }
                resourceVersion = null;
                String kept = synced
                        ? "keeping the last known " + cache.size() + " " + resource().logName()
                        : "no " + resource().logName() + " known yet";
                Duration delay = health.failed(subject + ": " + phase + " " + resource().logName(), e, kept);
                try {
                    TimeUnit.NANOSECONDS.sleep(delay.toNanos());
                } catch (InterruptedException ie) {
                    return;
                }
            }
        }
    }

    /** Lists, replaces the cache and tells observers what the list changed; returns its resourceVersion. */
    private String list(ApiClient c) throws Exception {
        ResourceLister.Listed<T> listed = lister.list(c, !synced, () -> running);
        Map<String, T> next = listed.items();
        Map<String, T> before = cache;
        for (Map.Entry<String, T> e : before.entrySet()) {
            // an unchanged object stays the instance observers hold (views index it): an equal
            // fresh copy in the cache would keep every unchanged object twice until it changes
            next.computeIfPresent(e.getKey(), (key, now) -> now.equals(e.getValue()) ? e.getValue() : now);
        }
        cache = next;
        health.fresh();
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
        // Synced only once the observers hold the whole list: the backend serves as soon as every
        // watcher says synced, and a view still being filled would answer NXDOMAIN for names it has.
        if (!synced) {
            synced = true;
            Log.info(logPlugin, describe() + " synced");
        }
        changed();
        return listed.resourceVersion();
    }

    /** Watches from rv until the stream ends; returns the last resourceVersion seen. */
    private String watch(ApiClient c, String rv) throws Exception {
        int timeout = 300 + ThreadLocalRandom.current().nextInt(300); // like client-go: 5 to 10 min
        c.setReadTimeout((int) Math.min(silence.toMillis(), (timeout + 30) * 1000L)); // only this loop uses this client
        okhttp3.Call call = lister.watchCall(c, rv, timeout);
        long opened = System.nanoTime();
        boolean events = false;
        try (Watch<JsonObject> w = Watch.createWatch(c, call, WATCH_TYPE)) {
            currentWatch = w;
            if (!running) {
                return rv;
            }
            health.fresh();
            Thread.ofVirtual().start(() -> { // an open, quiet watch is healthy after a while
                try {
                    Thread.sleep(MIN_QUIET_WATCH.toMillis());
                } catch (InterruptedException e) {
                    return;
                }
                if (running && currentWatch == w) {
                    health.healthy(describe());
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
                    throw new IOException("watch error event: " + (s == null
                            ? "no status"
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
                health.fresh();
                health.healthy(describe());
            }
        } finally {
            currentWatch = null;
        }
        if (!events && System.nanoTime() - opened < MIN_QUIET_WATCH.toNanos()) {
            throw new IOException("watch closed at once");
        }
        health.healthy(describe());
        return rv;
    }

    /** One event: the cache changes in place (O(1), not a copy of the collection) and observers hear it. */
    private void put(JsonObject o) {
        String key = ResourceLister.key(o);
        T before = key == null ? null : cache.get(key);
        lister.accept(cache, o);
        T after = key == null ? null : cache.get(key);
        if (before != after) {
            observe(before, after);
            changed();
        }
    }

    private void remove(JsonObject o) {
        String key = ResourceLister.key(o);
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

    private void changed() {
        for (Runnable r : listeners) {
            try {
                r.run();
            } catch (RuntimeException e) {
                Log.error(logPlugin, "listener of " + describe() + " failed: " + ApiErrors.brief(e));
            }
        }
    }

    /** True once the first list reached every observer; stays true through later outages. */
    public boolean synced() {
        return synced;
    }

    /** True from a failed list or watch until the next success. */
    public boolean degraded() {
        return health.consecutiveFailures() > 0;
    }

    /** The objects as last seen (empty before the first sync). */
    public Collection<T> items() {
        return synced ? cache.values() : List.of();
    }

    public int consecutiveFailures() {
        return health.consecutiveFailures();
    }

    public long apiErrorsTotal() {
        return health.apiErrorsTotal();
    }

    /** Objects the converter rejected (malformed or out of scope), since start. */
    public long skippedTotal() {
        return lister.skippedTotal();
    }

    public double lastSuccessfulSyncSeconds() {
        return health.lastSuccessfulSyncSeconds();
    }

    /** Time since the last successful list, watch start, event or bookmark; null if never. */
    public Duration staleness() {
        return health.staleness();
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

    /** The server sends bookmarks (seen on a watch): only then is a silent watch counted as a stall. */
    boolean bookmarksSeen() {
        return bookmarksSeen;
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
