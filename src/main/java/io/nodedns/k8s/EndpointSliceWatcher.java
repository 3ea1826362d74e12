package io.nodedns.k8s;

import io.kubernetes.client.informer.ResourceEventHandler;
import io.kubernetes.client.informer.SharedIndexInformer;
import io.kubernetes.client.informer.SharedInformerFactory;
import io.kubernetes.client.openapi.ApiClient;
import io.kubernetes.client.openapi.apis.DiscoveryV1Api;
import io.kubernetes.client.openapi.models.V1EndpointSlice;
import io.kubernetes.client.openapi.models.V1EndpointSliceList;
import io.nodedns.log.Log;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * One informer on the EndpointSlices of one Service ({@code kubernetes.io/service-name=NAME} in
 * one namespace), shared by every kubeforward block and reload that asks for the same Service
 * through {@link WatcherRegistry}. Listeners hear "something changed" on the informer's thread and
 * read {@link #slices()} themselves (they coalesce bursts). After the first sync the informer
 * keeps its cache through API-server outages, so {@link #slices()} is the last known state.
 */
public final class EndpointSliceWatcher {
    public static final String SERVICE_NAME_LABEL = "kubernetes.io/service-name";

    private final KubeClientConfig client;
    private final String namespace;
    private final String service;
    private final List<Runnable> listeners = new CopyOnWriteArrayList<>();
    private final AtomicBoolean degraded = new AtomicBoolean();
    private volatile boolean synced;
    private SharedInformerFactory factory;
    private SharedIndexInformer<V1EndpointSlice> informer;
    private Thread syncWaiter;
    int references; // guarded by the registry
    long releasedAt; // guarded by the registry: when references last dropped to 0

    EndpointSliceWatcher(KubeClientConfig client, String namespace, String service) {
        this.client = client;
        this.namespace = namespace;
        this.service = service;
    }

    public String describe() {
        return namespace + "/" + service;
    }

    synchronized void start() throws java.io.IOException {
        if (factory != null) {
            return;
        }
        ApiClient api = client.newClient(); // our own: the factory sets its read timeout to 0
        DiscoveryV1Api discovery = new DiscoveryV1Api(api);
        String selector = SERVICE_NAME_LABEL + "=" + service;
        factory = new SharedInformerFactory(api);
        informer = factory.sharedIndexInformerFor(
                p -> discovery.listNamespacedEndpointSlice(namespace).labelSelector(selector)
                        .resourceVersion(p.resourceVersion).watch(p.watch).timeoutSeconds(p.timeoutSeconds)
                        .allowWatchBookmarks(p.watch).buildCall(null),
                V1EndpointSlice.class, V1EndpointSliceList.class, 0L, (cls, err) -> failed(err));
        informer.addEventHandler(new ResourceEventHandler<>() {
            @Override
            public void onAdd(V1EndpointSlice obj) {
                changed();
            }

            @Override
            public void onUpdate(V1EndpointSlice oldObj, V1EndpointSlice newObj) {
                changed();
            }

            @Override
            public void onDelete(V1EndpointSlice obj, boolean deletedFinalStateUnknown) {
                changed();
            }
        });
        factory.startAllRegisteredInformers();
        SharedIndexInformer<V1EndpointSlice> inf = informer;
        syncWaiter = Thread.ofVirtual().name("nodedns-k8s-sync-" + describe()).start(() -> {
            try {
                while (!inf.hasSynced()) {
                    Thread.sleep(10);
                }
            } catch (InterruptedException e) {
                return;
            }
            synced = true;
            Log.info("kubernetes", "EndpointSlices of " + describe() + " synced");
            changed();
        });
    }

    synchronized void stop() {
        if (factory == null) {
            return;
        }
        syncWaiter.interrupt();
        factory.stopAllRegisteredInformers(true);
        factory = null;
        informer = null;
    }

    private void failed(Throwable err) {
        if (degraded.compareAndSet(false, true)) {
            Log.warning("kubernetes", "watching EndpointSlices of " + describe() + " failed, keeping the last known"
                    + " endpoints and retrying: " + err);
        }
    }

    private void changed() {
        if (degraded.compareAndSet(true, false)) {
            Log.info("kubernetes", "watching EndpointSlices of " + describe() + " again");
        }
        for (Runnable r : listeners) {
            try {
                r.run();
            } catch (RuntimeException e) {
                Log.error("kubernetes", "endpoint listener failed: " + e);
            }
        }
    }

    /** True once the informer has listed the slices; stays true through later outages. */
    public boolean synced() {
        return synced;
    }

    /** True from a failed list or watch until the next event arrives (a staleness hint). */
    public boolean degraded() {
        return degraded.get();
    }

    /** The slices of the Service as last seen (empty before the first sync). */
    public List<V1EndpointSlice> slices() {
        SharedIndexInformer<V1EndpointSlice> inf;
        synchronized (this) {
            inf = informer;
        }
        return inf == null || !synced ? List.of() : List.copyOf(inf.getIndexer().list());
    }

    public void addListener(Runnable r) {
        listeners.add(r);
    }

    public void removeListener(Runnable r) {
        listeners.remove(r);
    }
}
