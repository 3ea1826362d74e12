package io.nodedns.k8s;

import java.io.IOException;
import java.time.Duration;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;

/**
 * The process's service-discovery backends, one per (client, feature set), kept in
 * {@code Shared.state(KEY)} so they outlive reloads: a reload acquires the running backend (synced,
 * so it serves at once) and the old instance's release stops nothing until a grace period passes
 * without users.
 */
public final class DiscoveryRegistry {
    public static final String KEY = "k8s.discovery-backends";
    static final Duration GRACE = Duration.ofSeconds(30);

    private final Leases<DiscoveryBackend> backends = new Leases<>("nodedns-k8s-discovery-reaper", GRACE,
            DiscoveryBackend::stop, "the unused service-discovery backend of");

    static String key(KubeClientConfig client, Set<DiscoveryBackend.Feature> features) {
        return client.key() + "|" + EnumSet.copyOf(features);
    }

    /** The started backend for this client and features, shared; pair with {@link #release}. */
    public DiscoveryBackend acquire(KubeClientConfig client, Set<DiscoveryBackend.Feature> features) throws IOException {
        return backends.acquire(key(client, features), () -> {
            DiscoveryBackend b = new DiscoveryBackend(client, features);
            b.start();
            return b;
        });
    }

    public void release(DiscoveryBackend b) {
        backends.release(b);
    }

    /** Stops every backend (final process shutdown). */
    public void shutdown() {
        backends.shutdown();
    }

    public List<DiscoveryBackend> backends() {
        return backends.values();
    }
}
