package io.nodedns.plugin.kubeforward;

import io.nodedns.k8s.EndpointSelection;
import io.nodedns.k8s.EndpointSliceWatcher;
import io.nodedns.k8s.EndpointSnapshot;
import io.nodedns.k8s.HostPorts;
import io.nodedns.k8s.KubeClientConfig;
import io.nodedns.k8s.WatcherRegistry;
import io.nodedns.log.Log;
import io.nodedns.server.Lifecycle;
import io.nodedns.server.Readiness;
import io.nodedns.upstream.UpstreamTable;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Connects one kubeforward directive to its Service's shared watcher: on every change (bursts
 * coalesced by a short debounce on one thread) it computes the endpoint list and publishes it to
 * the forwarders' tables, which keep the upstream objects of unchanged endpoints. Until the first
 * sync it serves the snapshot file's list, else the fallback, else nothing (forward then answers
 * SERVFAIL at once); after the sync, an empty endpoint list also means fallback.
 */
final class KubeforwardBinding implements Lifecycle, Readiness {
    static final long DEBOUNCE_MILLIS = 20;

    /** Where the current upstreams come from (logs). */
    enum Source {
        NONE, SNAPSHOT, FALLBACK, ENDPOINTS
    }

    private final KubeforwardConfig config;
    private final KubeClientConfig client;
    private final WatcherRegistry registry;
    private final List<UpstreamTable> tables;
    private final Runnable listener = this::schedule;
    private final AtomicBoolean pending = new AtomicBoolean();
    private ScheduledExecutorService executor;
    private volatile EndpointSliceWatcher watcher;
    private List<InetSocketAddress> snapshotList; // from the file at start, used until the first sync
    private List<InetSocketAddress> lastEndpoints; // last list seen after a sync (snapshot written on change)
    private volatile List<InetSocketAddress> published = List.of();
    private volatile Source source = Source.NONE;
    private volatile boolean stopped;

    KubeforwardBinding(KubeforwardConfig config, KubeClientConfig client, WatcherRegistry registry,
            List<UpstreamTable> tables) {
        this.config = config;
        this.client = client;
        this.registry = registry;
        this.tables = List.copyOf(tables);
    }

    String describe() {
        return config.namespace() + "/" + config.serviceName();
    }

    @Override
    public void start() throws IOException {
        if (config.snapshot() != null) {
            try {
                snapshotList = EndpointSnapshot.read(config.snapshot()).orElse(null);
                if (snapshotList != null) {
                    Log.info(KubeforwardSetup.NAME, "read " + snapshotList.size() + " endpoints of " + describe()
                            + " from " + config.snapshot());
                }
            } catch (IOException e) {
                Log.warning(KubeforwardSetup.NAME, "cannot read snapshot " + config.snapshot() + ": " + e);
            }
        }
        executor = Executors.newSingleThreadScheduledExecutor(
                Thread.ofPlatform().daemon().name("nodedns-kubeforward-" + describe()).factory());
        watcher = registry.acquire(client, config.namespace(), config.serviceName());
        watcher.addListener(listener);
        recompute(); // now, so a reload onto a synced watcher serves its endpoints at once
    }

    @Override
    public void stop() {
        stopped = true;
        if (watcher != null) {
            watcher.removeListener(listener);
            registry.release(watcher);
            watcher = null;
        }
        if (executor != null) {
            executor.shutdownNow();
        }
    }

    @Override
    public String readinessName() {
        return KubeforwardSetup.NAME;
    }

    /**
     * Ready once a table built from a listing of the Service's EndpointSlices is published, or from
     * a non-empty snapshot read at start: the snapshot holds the last known endpoints, exactly what
     * an outage keeps serving (and ready) anyway. A fallback alone does not count.
     */
    @Override
    public boolean ready() {
        return servingSynced;
    }

    /** Set once a table from synced endpoints or the start snapshot has been published; stays set (outages keep serving). */
    private volatile boolean servingSynced;

    private void schedule() {
        if (!stopped && pending.compareAndSet(false, true)) {
            try {
                executor.schedule(this::recompute, DEBOUNCE_MILLIS, TimeUnit.MILLISECONDS);
            } catch (java.util.concurrent.RejectedExecutionException e) {
                pending.set(false);
            }
        }
    }

    private synchronized void recompute() {
        pending.set(false);
        if (stopped) {
            return;
        }
        EndpointSliceWatcher w = watcher;
        boolean synced = w != null && w.synced();
        List<InetSocketAddress> next;
        Source from;
        if (synced) {
            List<InetSocketAddress> endpoints = EndpointSelection.select(w.slices(), config.portName());
            if (!endpoints.equals(lastEndpoints)) {
                lastEndpoints = endpoints;
                writeSnapshot(endpoints);
            }
            next = endpoints;
            from = Source.ENDPOINTS;
        } else if (snapshotList != null && !snapshotList.isEmpty()) {
            next = snapshotList;
            from = Source.SNAPSHOT;
        } else {
            next = List.of();
            from = Source.NONE;
        }
        if (next.isEmpty() && !config.fallback().isEmpty()) {
            next = config.fallback();
            from = Source.FALLBACK;
        }
        if (next.equals(published) && from == source) {
            servingSynced |= synced || from == Source.SNAPSHOT;
            return;
        }
        for (UpstreamTable t : tables) {
            t.update(next);
        }
        published = next;
        source = from;
        servingSynced |= synced || from == Source.SNAPSHOT;
        if (w != null) {
            w.published(next.size());
        }
        Log.info(KubeforwardSetup.NAME, describe() + ": " + next.size() + " upstreams from " + from.name().toLowerCase()
                + ": " + next.stream().map(HostPorts::format).toList());
    }

    private void writeSnapshot(List<InetSocketAddress> endpoints) {
        if (config.snapshot() == null) {
            return;
        }
        try {
            EndpointSnapshot.write(config.snapshot(), describe(), endpoints);
        } catch (java.nio.channels.ClosedByInterruptException e) {
            // a stop interrupted the watcher mid-write: the write is atomic, the previous file stays
            Log.info(KubeforwardSetup.NAME, "snapshot " + config.snapshot() + " not written: stopped while writing");
        } catch (IOException e) {
            Log.warning(KubeforwardSetup.NAME, "cannot write snapshot " + config.snapshot() + ": " + e);
        }
    }

    /** The shared watcher while started, else null (its getters are the API-side metrics). */
    public EndpointSliceWatcher watcher() {
        return watcher;
    }
}
