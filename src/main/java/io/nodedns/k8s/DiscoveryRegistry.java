package io.nodedns.k8s;

import io.nodedns.data.SharedRegistry;
import io.nodedns.log.Log;
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
public final class DiscoveryRegistry extends SharedRegistry<DiscoveryBackend> {
    public static final String KEY = "k8s.discovery-backends";
    static final Duration GRACE = Duration.ofSeconds(30);

    public DiscoveryRegistry() {
        super(GRACE, "nodedns-k8s-discovery-reaper", DiscoveryBackend::stop);
    }

    static String key(KubeClientConfig client, Set<DiscoveryBackend.Feature> features,
            DiscoveryBackend.Selectors selectors) {
        return client.key() + "|" + EnumSet.copyOf(features) + "|" + selectors;
    }

    /** The started backend for this client and features, shared; pair with {@link #release}. */
    public DiscoveryBackend acquire(KubeClientConfig client, Set<DiscoveryBackend.Feature> features)
            throws IOException {
        return acquire(client, features, DiscoveryBackend.Selectors.NONE);
    }

    /** The same, for backends whose lists and watches carry label selectors. */
    public DiscoveryBackend acquire(KubeClientConfig client, Set<DiscoveryBackend.Feature> features,
            DiscoveryBackend.Selectors selectors) throws IOException {
        return acquire(key(client, features, selectors),
                () -> new DiscoveryBackend(client, features, selectors).started());
    }

    @Override
    protected void stopUnused(DiscoveryBackend b) {
        Log.debug(DiscoveryBackend.LOG, "stopping an unused service-discovery backend");
        super.stopUnused(b);
    }

    public List<DiscoveryBackend> backends() {
        return values();
    }
}
