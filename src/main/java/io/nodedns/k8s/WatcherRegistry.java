package io.nodedns.k8s;

import java.io.IOException;
import java.time.Duration;
import java.util.List;

/**
 * The process's EndpointSlice watchers, one per (client, namespace, Service). Stored in
 * {@code Shared.state(KEY)} so it outlives reloads. {@link #acquire} starts a watcher on first use;
 * {@link #release} stops it only after a grace period without users, so a reload (new instance
 * started, old one stopped, in either order) keeps the same informer and its cache.
 */
public final class WatcherRegistry {
    public static final String KEY = "k8s.endpointslice-watchers";
    static final Duration GRACE = Duration.ofSeconds(30);

    private final Leases<EndpointSliceWatcher> watchers;

    public WatcherRegistry() {
        this(GRACE);
    }

    public WatcherRegistry(Duration grace) {
        watchers = new Leases<>("nodedns-k8s-reaper", grace, EndpointSliceWatcher::stop,
                "the unused EndpointSlice watcher of");
    }

    static String key(KubeClientConfig client, String namespace, String service) {
        return client.key() + "|" + namespace + "|" + service;
    }

    /** The started watcher for this Service, shared; pair with {@link #release}. */
    public EndpointSliceWatcher acquire(KubeClientConfig client, String namespace, String service) throws IOException {
        return watchers.acquire(key(client, namespace, service), () -> {
            EndpointSliceWatcher w = new EndpointSliceWatcher(client, namespace, service);
            w.start();
            return w;
        });
    }

    public void release(EndpointSliceWatcher w) {
        watchers.release(w);
    }

    /** Stops every watcher (final process shutdown). */
    public void shutdown() {
        watchers.shutdown();
    }

    /** The running watchers (metrics and tests). */
    public List<EndpointSliceWatcher> watchers() {
        return watchers.values();
    }

    /** How many watchers run (tests check sharing). */
    public int size() {
        return watchers.values().size();
    }
}
