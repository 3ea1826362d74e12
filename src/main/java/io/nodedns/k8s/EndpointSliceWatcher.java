package io.nodedns.k8s;

import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The EndpointSlices of one Service ({@code kubernetes.io/service-name=NAME} in one namespace),
 * watched by a {@link ResourceWatcher} and shared by every kubeforward block and reload that asks
 * for the same Service through {@link WatcherRegistry}; plus what kubeforward publishes from them.
 */
public final class EndpointSliceWatcher {
    public static final String SERVICE_NAME_LABEL = "kubernetes.io/service-name";
    static final String LOG = "kubeforward";

    private final String namespace;
    private final String service;
    private final ResourceWatcher<Slice> watcher;
    private final AtomicLong tableSwaps = new AtomicLong();
    private volatile int endpointsUsed;

    EndpointSliceWatcher(KubeClientConfig client, String namespace, String service) {
        this(client, namespace, service, new Backoff());
    }

    EndpointSliceWatcher(KubeClientConfig client, String namespace, String service, Backoff backoff) {
        this.namespace = namespace;
        this.service = service;
        this.watcher = new ResourceWatcher<>(client, ResourceRef.ENDPOINT_SLICES, namespace,
                SERVICE_NAME_LABEL + "=" + service, LOG, namespace + "/" + service, Slice::fromJson, backoff);
    }

    public String describe() {
        return namespace + "/" + service;
    }

    void start() throws IOException {
        watcher.start();
    }

    void stop() {
        watcher.stop();
    }

    /** True once the slices were listed; stays true through later outages. */
    public boolean synced() {
        return watcher.synced();
    }

    /** True from a failed list or watch until the next success (a staleness hint). */
    public boolean degraded() {
        return watcher.degraded();
    }

    /** The slices of the Service as last seen (empty before the first sync). */
    public List<Slice> slices() {
        return List.copyOf(watcher.items());
    }

    /** Failed list/watch attempts since the last success (0 when healthy). */
    public int consecutiveFailures() {
        return watcher.consecutiveFailures();
    }

    /** Failed list/watch attempts since the watcher started. */
    public long apiErrorsTotal() {
        return watcher.apiErrorsTotal();
    }

    /** Watches presumed lost after a silence (no event or bookmark). */
    public long watchStallsTotal() {
        return watcher.watchStallsTotal();
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
        return watcher.relistsTotal();
    }

    /** Unix time (seconds) of the last successful list, watch start, event or bookmark; 0 if never. */
    public double lastSuccessfulSyncSeconds() {
        return watcher.lastSuccessfulSyncSeconds();
    }

    /** Time since the last successful list, watch start, event or bookmark; null if never. */
    public Duration staleness() {
        return watcher.staleness();
    }

    public void addListener(Runnable r) {
        watcher.addListener(r);
    }

    public void removeListener(Runnable r) {
        watcher.removeListener(r);
    }
}
