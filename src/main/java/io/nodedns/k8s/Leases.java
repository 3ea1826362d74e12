package io.nodedns.k8s;

import io.nodedns.log.Log;
import java.io.IOException;
import java.time.Duration;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * Started objects shared by key (watchers, discovery backends), counted by their users and stopped
 * only after a grace period without any: a reload starts the new instance and stops the old one in
 * either order, and keeps the running watches and their caches. Kept in {@code Shared.state} by the
 * registries, so it outlives reloads.
 */
final class Leases<V> {
    /** Creates and starts the object for a key on its first use. */
    @FunctionalInterface
    interface Starter<V> {
        V start() throws IOException;
    }

    private static final class Lease<V> {
        final String key;
        final V value;
        int users;
        long releasedAt; // when users last dropped to 0

        Lease(String key, V value) {
            this.key = key;
            this.value = value;
        }
    }

    private final Map<String, Lease<V>> byKey = new HashMap<>();
    private final Map<V, Lease<V>> byValue = new IdentityHashMap<>();
    private final ScheduledExecutorService reaper;
    private final Duration grace;
    private final Consumer<V> stop;
    private final String what; // "the EndpointSlice watcher of", in the debug line of a stop

    Leases(String threadName, Duration grace, Consumer<V> stop, String what) {
        this.reaper = Executors.newSingleThreadScheduledExecutor(Thread.ofPlatform().daemon().name(threadName).factory());
        this.grace = grace;
        this.stop = stop;
        this.what = what;
    }

    /** The started object for the key, shared; pair with {@link #release}. */
    synchronized V acquire(String key, Starter<V> starter) throws IOException {
        Lease<V> l = byKey.get(key);
        if (l == null) {
            l = new Lease<>(key, starter.start());
            byKey.put(key, l);
            byValue.put(l.value, l);
        }
        l.users++;
        return l.value;
    }

    synchronized void release(V value) {
        Lease<V> l = byValue.get(value);
        if (l == null || --l.users > 0) {
            return;
        }
        l.releasedAt = System.nanoTime();
        reaper.schedule(() -> reap(l), grace.toMillis(), TimeUnit.MILLISECONDS);
    }

    private synchronized void reap(Lease<V> l) {
        if (l.users > 0 || byKey.get(l.key) != l || System.nanoTime() - l.releasedAt < grace.toNanos()) {
            return;
        }
        byKey.remove(l.key);
        byValue.remove(l.value);
        Log.debug(DiscoveryBackend.LOG, "stopping " + what + " " + l.key);
        stop.accept(l.value);
    }

    /** Stops every object (final process shutdown). */
    synchronized void shutdown() {
        byKey.values().forEach(l -> stop.accept(l.value));
        byKey.clear();
        byValue.clear();
    }

    synchronized List<V> values() {
        return byKey.values().stream().map(l -> l.value).toList();
    }
}
