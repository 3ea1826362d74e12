package io.nodedns.k8s;

import io.nodedns.data.SharedRegistry;
import io.nodedns.log.Log;
import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.function.Supplier;

/**
 * The process's EndpointSlice watchers, one per (client, namespace, Service). Stored in
 * {@code Shared.state(KEY)} so it outlives reloads. {@link #acquire} starts a watcher on first use;
 * {@link #release} stops it only after a grace period without users, so a reload (new instance
 * started, old one stopped, in either order) keeps the same informer and its cache.
 */
public final class WatcherRegistry extends SharedRegistry<EndpointSliceWatcher> {
    public static final String KEY = "k8s.endpointslice-watchers";
    static final Duration GRACE = Duration.ofSeconds(30);

    private final Supplier<Backoff> backoffs;

    public WatcherRegistry() {
        this(Backoff::new);
    }

    /** Each new watcher retries on a backoff from {@code backoffs} (tests: a scaled-down schedule). */
    public WatcherRegistry(Supplier<Backoff> backoffs) {
        super(GRACE, "nodedns-k8s-reaper", EndpointSliceWatcher::stop);
        this.backoffs = backoffs;
    }

    static String key(KubeClientConfig client, String namespace, String service) {
        return client.key() + "|" + namespace + "|" + service;
    }

    /** The started watcher for this Service, shared; pair with {@link #release}. */
    public EndpointSliceWatcher acquire(KubeClientConfig client, String namespace, String service) throws IOException {
        return acquire(key(client, namespace, service),
                () -> new EndpointSliceWatcher(client, namespace, service, backoffs.get()).started());
    }

    @Override
    protected void stopUnused(EndpointSliceWatcher w) {
        Log.debug("kubernetes", "stopping the unused watcher of " + w.describe());
        super.stopUnused(w);
    }

    /** The running watchers (metrics and tests). */
    public List<EndpointSliceWatcher> watchers() {
        return values();
    }
}
