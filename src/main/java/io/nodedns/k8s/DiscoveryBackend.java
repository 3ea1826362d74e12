package io.nodedns.k8s;

import com.google.gson.JsonObject;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The service backend shared by the kubernetes and multicluster plugins: the watchers a set of
 * {@link Feature}s needs (all namespaces), and the {@link ClusterView} they keep up to date: each
 * watcher applies its object changes to the view's indexes on its own thread, so a change costs
 * what the object holds, never a rebuild of the cluster. After each burst of changes one thread
 * notes the synced state and tells listeners. Shared by every block and reload that use the same
 * client and features ({@link DiscoveryRegistry}).
 */
public final class DiscoveryBackend {
    /**
     * What to watch. {@code POD_NAMES} keeps each pod's name with {@code PODS} (for the metadata
     * plugin's {@code kubernetes/client-pod-name}); without it the pod view holds no names.
     */
    public enum Feature {
        SERVICES, ENDPOINTS, PODS, POD_NAMES, SERVICE_IMPORTS, MULTICLUSTER_ENDPOINTS
    }

    /**
     * Label selectors sent to the API server with every list and watch (CoreDNS's {@code labels} and
     * {@code namespace_labels}), so objects outside them never reach the process; null for none.
     * {@code objects} applies to Services, EndpointSlices and Pods, {@code namespaces} to Namespaces.
     */
    public record Selectors(String objects, String namespaces) {
        public static final Selectors NONE = new Selectors(null, null);

        String and(String selector) {
            return objects == null ? selector : selector == null ? objects : selector + "," + objects;
        }
    }

    static final String LOG = "kubernetes";
    private final String log; // the plugin named in log lines: multicluster for a ServiceImport backend
    private static final long COALESCE_MICROS = 500;

    private final Set<Feature> features;
    private final ResourceWatcher<KubeService> services;
    private final ResourceWatcher<Slice> slices;
    private final ResourceWatcher<String> namespaces;
    private final ResourceWatcher<KubePod> pods;
    private final ResourceWatcher<KubeServiceImport> imports;
    private final ResourceWatcher<Slice> mcsSlices;
    private final List<ResourceWatcher<?>> all = new ArrayList<>();
    private final ScheduledExecutorService notifier;
    private final AtomicBoolean pending = new AtomicBoolean();
    private final AtomicLong rebuilds = new AtomicLong();
    private final List<Runnable> listeners = new java.util.concurrent.CopyOnWriteArrayList<>();
    private final ClusterView view = new ClusterView();
    private volatile boolean synced;

    DiscoveryBackend(KubeClientConfig client, Set<Feature> features) {
        this(client, features, Selectors.NONE);
    }

    DiscoveryBackend(KubeClientConfig client, Set<Feature> features, Selectors selectors) {
        this.features = Set.copyOf(features.isEmpty() ? EnumSet.of(Feature.SERVICES) : features);
        this.log = this.features.contains(Feature.SERVICE_IMPORTS) && !this.features.contains(Feature.SERVICES)
                ? "multicluster"
                : LOG;
        String subject = "the cluster";
        namespaces = watcher(client, ResourceRef.NAMESPACES, selectors.namespaces(), subject,
                DiscoveryBackend::namespaceName);
        services = this.features.contains(Feature.SERVICES)
                ? watcher(client, ResourceRef.SERVICES, selectors.and(null), subject, KubeService::fromJson)
                : null;
        slices = this.features.contains(Feature.ENDPOINTS)
                ? watcher(client, ResourceRef.ENDPOINT_SLICES, selectors.and(EndpointSliceWatcher.SERVICE_NAME_LABEL),
                        subject,
                        Slice::fromJson)
                : null;
        pods = this.features.contains(Feature.PODS)
                ? watcher(client, ResourceRef.PODS, selectors.and(null), subject,
                        this.features.contains(Feature.POD_NAMES) ? KubePod::fromJson : KubePod::withoutName)
                : null;
        if (this.features.contains(Feature.SERVICE_IMPORTS)) {
            ResourceRef[] versions = {ResourceRef.serviceImports("v1beta1"), ResourceRef.serviceImports("v1alpha1")};
            imports = add(new ResourceWatcher<>(client, versions, null, null, log, subject,
                    KubeServiceImport::fromJson, new Backoff()));
        } else {
            imports = null;
        }
        mcsSlices = this.features.contains(Feature.MULTICLUSTER_ENDPOINTS)
                ? watcher(client, ResourceRef.ENDPOINT_SLICES, ClusterView.MCS_SERVICE_LABEL, subject, Slice::fromJson)
                : null;
        notifier = Executors.newSingleThreadScheduledExecutor(
                Thread.ofPlatform().daemon().name("nodedns-k8s-view").factory());
        observe(services, view::service);
        observe(slices, view::slice);
        observe(namespaces, view::namespace);
        observe(pods, view::pod);
        observe(imports, view::serviceImport);
        observe(mcsSlices, view::multiclusterSlice);
        for (ResourceWatcher<?> w : all) {
            w.addListener(this::schedule);
        }
    }

    private static <T> void observe(ResourceWatcher<T> w, ResourceWatcher.Changes<T> c) {
        if (w != null) {
            w.addObserver(c);
        }
    }

    private <T> ResourceWatcher<T> watcher(KubeClientConfig client, ResourceRef ref, String selector, String subject,
            java.util.function.Function<JsonObject, T> convert) {
        return add(new ResourceWatcher<>(client, ref, null, selector, log, subject, convert, new Backoff()));
    }

    private <T> ResourceWatcher<T> add(ResourceWatcher<T> w) {
        all.add(w);
        return w;
    }

    private static String namespaceName(JsonObject o) {
        return Json.string(Json.object(o, "metadata"), "name");
    }

    /** Starts its watchers; returns this (for {@link DiscoveryRegistry}). */
    DiscoveryBackend started() throws IOException {
        for (ResourceWatcher<?> w : all) {
            w.start();
        }
        return this;
    }

    void stop() {
        for (ResourceWatcher<?> w : all) {
            w.stop();
        }
        notifier.shutdownNow();
    }

    private void schedule() {
        if (pending.compareAndSet(false, true)) {
            try {
                notifier.schedule(this::published, COALESCE_MICROS, TimeUnit.MICROSECONDS);
            } catch (java.util.concurrent.RejectedExecutionException e) {
                pending.set(false);
            }
        }
    }

    /** After a burst of changes (already in the view): the synced state and the listeners. */
    private void published() {
        pending.set(false);
        ClusterView next = view;
        rebuilds.incrementAndGet();
        boolean all = true;
        for (ResourceWatcher<?> w : this.all) {
            all &= w.synced();
        }
        if (all && !synced) {
            synced = true;
            io.nodedns.log.Log.info(log, "service discovery synced: " + next.serviceCount() + " Services, "
                    + next.importCount() + " ServiceImports");
        }
        for (Runnable r : listeners) {
            r.run();
        }
    }

    /** The view (empty before the first lists, then kept up to date in place). */
    public ClusterView view() {
        return view;
    }

    /** True once every watcher listed and a view from all of them was published; stays true. */
    public boolean synced() {
        return synced;
    }

    /** Waits up to {@code timeout} for {@link #synced()}; returns whether it is. */
    public boolean awaitSynced(Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!synced && System.nanoTime() < deadline) {
            Thread.sleep(5);
        }
        return synced;
    }

    public Set<Feature> features() {
        return features;
    }

    /** Failed list/watch attempts over all watchers. */
    public long apiErrorsTotal() {
        return sum(ResourceWatcher::apiErrorsTotal);
    }

    /** Watches presumed lost after a silence (no event or bookmark), over all watchers. */
    public long watchStallsTotal() {
        return sum(ResourceWatcher::watchStallsTotal);
    }

    /** Objects the converters rejected over all watchers. */
    public long skippedObjectsTotal() {
        return sum(ResourceWatcher::skippedTotal);
    }

    private long sum(java.util.function.ToLongFunction<ResourceWatcher<?>> counter) {
        long n = 0;
        for (ResourceWatcher<?> w : all) {
            n += counter.applyAsLong(w);
        }
        return n;
    }

    /** Multicluster slices ignored in the current view (FQDN addressType or no source-cluster label). */
    public long ignoredMulticlusterSlices() {
        return view.ignoredMulticlusterSlices();
    }

    /** Bursts of changes applied to the view so far. */
    public long rebuildsTotal() {
        return rebuilds.get();
    }

    /** The ServiceImport version being watched, or null without that feature. */
    public String serviceImportVersion() {
        return imports == null ? null : imports.resource().version();
    }

    public void addListener(Runnable r) {
        listeners.add(r);
    }

    public void removeListener(Runnable r) {
        listeners.remove(r);
    }
}
