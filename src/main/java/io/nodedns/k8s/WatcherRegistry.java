package io.nodedns.k8s;

import io.nodedns.log.Log;
import java.io.IOException;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * The process's EndpointSlice watchers, one per (client, namespace, Service). Stored in
 * {@code Shared.state(KEY)} so it outlives reloads. {@link #acquire} starts a watcher on first use;
 * {@link #release} stops it only after a grace period without users, so a reload (new instance
 * started, old one stopped, in either order) keeps the same informer and its cache.
 */
public final class WatcherRegistry {
    public static final String KEY = "k8s.endpointslice-watchers";
    static final Duration GRACE = Duration.ofSeconds(30);

    private final Map<String, EndpointSliceWatcher> watchers = new HashMap<>();
    private final ScheduledExecutorService reaper = Executors.newSingleThreadScheduledExecutor(
            Thread.ofPlatform().daemon().name("nodedns-k8s-reaper").factory());
    private final Duration grace;

    public WatcherRegistry() {
        this(GRACE);
    }

    public WatcherRegistry(Duration grace) {
        this.grace = grace;
    }

    static String key(KubeClientConfig client, String namespace, String service) {
        return client.key() + "|" + namespace + "|" + service;
    }

    /** The started watcher for this Service, shared; pair with {@link #release}. */
    public synchronized EndpointSliceWatcher acquire(KubeClientConfig client, String namespace, String service)
            throws IOException {
        String key = key(client, namespace, service);
        EndpointSliceWatcher w = watchers.get(key);
        if (w == null) {
            w = new EndpointSliceWatcher(client, namespace, service);
            w.start();
            watchers.put(key, w);
        }
        w.references++;
        return w;
    }

    public synchronized void release(EndpointSliceWatcher w) {
        w.references--;
        if (w.references > 0) {
            return;
        }
        w.releasedAt = System.nanoTime();
        reaper.schedule(() -> reap(w), grace.toMillis(), TimeUnit.MILLISECONDS);
    }

    private synchronized void reap(EndpointSliceWatcher w) {
        if (w.references > 0 || !watchers.containsValue(w) || System.nanoTime() - w.releasedAt < grace.toNanos()) {
            return;
        }
        watchers.values().remove(w);
        Log.debug("kubernetes", "stopping the unused EndpointSlice watcher of " + w.describe());
        w.stop();
    }

    /** Stops every watcher (final process shutdown). */
    public synchronized void shutdown() {
        watchers.values().forEach(EndpointSliceWatcher::stop);
        watchers.clear();
    }

    /** The running watchers (metrics and tests). */
    public synchronized java.util.List<EndpointSliceWatcher> watchers() {
        return java.util.List.copyOf(watchers.values());
    }

    /** How many watchers run (tests check sharing). */
    public synchronized int size() {
        return watchers.size();
    }
}
