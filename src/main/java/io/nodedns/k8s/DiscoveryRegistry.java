package io.nodedns.k8s;

import io.nodedns.log.Log;
import java.io.IOException;
import java.time.Duration;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * The process's service-discovery backends, one per (client, feature set), kept in
 * {@code Shared.state(KEY)} so they outlive reloads: a reload acquires the running backend (synced,
 * so it serves at once) and the old instance's release stops nothing until a grace period passes
 * without users.
 */
public final class DiscoveryRegistry {
    public static final String KEY = "k8s.discovery-backends";
    static final Duration GRACE = Duration.ofSeconds(30);

    private final Map<String, DiscoveryBackend> backends = new HashMap<>();
    private final ScheduledExecutorService reaper = Executors.newSingleThreadScheduledExecutor(
            Thread.ofPlatform().daemon().name("nodedns-k8s-discovery-reaper").factory());

    static String key(KubeClientConfig client, Set<DiscoveryBackend.Feature> features, DiscoveryBackend.Selectors selectors) {
        return client.key() + "|" + EnumSet.copyOf(features) + "|" + selectors;
    }

    /** The started backend for this client and features, shared; pair with {@link #release}. */
    public DiscoveryBackend acquire(KubeClientConfig client, Set<DiscoveryBackend.Feature> features) throws IOException {
        return acquire(client, features, DiscoveryBackend.Selectors.NONE);
    }

    /** The same, for backends whose lists and watches carry label selectors. */
    public synchronized DiscoveryBackend acquire(KubeClientConfig client, Set<DiscoveryBackend.Feature> features,
            DiscoveryBackend.Selectors selectors) throws IOException {
        String key = key(client, features, selectors);
        DiscoveryBackend b = backends.get(key);
        if (b == null) {
            b = new DiscoveryBackend(client, features, selectors);
            b.start();
            backends.put(key, b);
        }
        b.references++;
        return b;
    }

    public synchronized void release(DiscoveryBackend b) {
        b.references--;
        if (b.references > 0) {
            return;
        }
        b.releasedAt = System.nanoTime();
        reaper.schedule(() -> reap(b), GRACE.toMillis(), TimeUnit.MILLISECONDS);
    }

    private synchronized void reap(DiscoveryBackend b) {
        if (b.references > 0 || !backends.containsValue(b) || System.nanoTime() - b.releasedAt < GRACE.toNanos()) {
            return;
        }
        backends.values().remove(b);
        Log.debug(DiscoveryBackend.LOG, "stopping an unused service-discovery backend");
        b.stop();
    }

    /** Stops every backend (final process shutdown). */
    public synchronized void shutdown() {
        backends.values().forEach(DiscoveryBackend::stop);
        backends.clear();
    }

    public synchronized List<DiscoveryBackend> backends() {
        return List.copyOf(backends.values());
    }
}
