package io.nodedns.k8s;

import java.io.IOException;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The EndpointSlices of one Service ({@code kubernetes.io/service-name=NAME} in one namespace): a
 * {@link ResourceWatcher} (its health and counters are the API-side metrics) shared by every
 * kubeforward block and reload that asks for the same Service through {@link WatcherRegistry}; plus
 * what kubeforward publishes from them.
 */
public final class EndpointSliceWatcher extends ResourceWatcher<Slice> {
    public static final String SERVICE_NAME_LABEL = "kubernetes.io/service-name";
    static final String LOG = "kubeforward";

    private final String namespace;
    private final String service;
    private final AtomicLong tableSwaps = new AtomicLong();
    private volatile int endpointsUsed;

    EndpointSliceWatcher(KubeClientConfig client, String namespace, String service, Backoff backoff) {
        super(client, ResourceRef.ENDPOINT_SLICES, namespace, SERVICE_NAME_LABEL + "=" + service, LOG,
                namespace + "/" + service, Slice::fromJson, backoff);
        this.namespace = namespace;
        this.service = service;
    }

    /** Starts watching; returns this (for {@link WatcherRegistry}). */
    EndpointSliceWatcher started() throws IOException {
        start();
        return this;
    }

    /** The slices of the Service as last seen (empty before the first sync). */
    public List<Slice> slices() {
        return List.copyOf(items());
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
}
