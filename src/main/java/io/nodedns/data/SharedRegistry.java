package io.nodedns.data;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * Values shared by key between the configurations that use them, counted by their users: a reload
 * builds the new instance beside the old one, so both hold the same value (a warm cache, a synced
 * watcher) and the old instance's release stops nothing. A value whose users drop to zero is
 * stopped once {@code grace} passes without a new user (at once for a zero grace). Kept in
 * {@code Shared.state}; one lock, taken at setup, start and stop only, never per query.
 */
public class SharedRegistry<V> {
    /** Creates (and starts) the value for a key on first use. */
    public interface Factory<V, E extends Exception> {
        V create() throws E;
    }

    private static final class Entry<V> {
        final V value;
        int users;
        long releasedAt;

        Entry(V value) {
            this.value = value;
        }
    }

    private final Map<String, Entry<V>> entries = new HashMap<>();
    private final Duration grace;
    private final String reaperName;
    private final Consumer<? super V> stop;
    private ScheduledExecutorService reaper; // on the first delayed release

    /**
     * {@code reaperName} names the thread that stops values after {@code grace} (unused for a zero
     * grace); {@code stop} stops a value no one uses any more, or any at shutdown.
     */
    public SharedRegistry(Duration grace, String reaperName, Consumer<? super V> stop) {
        this.grace = grace;
        this.reaperName = reaperName;
        this.stop = stop;
    }

    /** Stops a value the grace period ran out for (subclasses may log it first). */
    protected void stopUnused(V value) {
        stop.accept(value);
    }

    /** The value for {@code key}, created if absent, with one more user; pair with {@link #release}. */
    public synchronized <E extends Exception> V acquire(String key, Factory<V, E> create) throws E {
        Entry<V> e = entry(key, create);
        e.users++;
        return e.value;
    }

    /**
     * The value for {@code key}, created if absent, without counting a user yet: for a setup whose
     * instance may still fail before it starts; {@link #retain} counts it once it does.
     */
    public synchronized <E extends Exception> V obtain(String key, Factory<V, E> create) throws E {
        return entry(key, create).value;
    }

    /** One more user of a value {@link #obtain} returned (ignored if it was dropped meanwhile). */
    public synchronized void retain(V value) {
        Entry<V> e = find(value);
        if (e != null) {
            e.users++;
        }
    }

    public synchronized void release(V value) {
        Entry<V> e = find(value);
        if (e == null || --e.users > 0) {
            return;
        }
        e.users = 0;
        if (grace.isZero()) {
            entries.values().remove(e);
            stopUnused(e.value);
            return;
        }
        e.releasedAt = System.nanoTime();
        if (reaper == null) {
            reaper = Executors
                    .newSingleThreadScheduledExecutor(Thread.ofPlatform().daemon().name(reaperName).factory());
        }
        reaper.schedule(() -> reap(e), grace.toMillis(), TimeUnit.MILLISECONDS);
    }

    /** Stops every value (final process shutdown). */
    public synchronized void shutdown() {
        entries.values().forEach(e -> stop.accept(e.value));
        entries.clear();
    }

    /** The values held now (metrics and tests). */
    public synchronized List<V> values() {
        List<V> out = new ArrayList<>(entries.size());
        entries.values().forEach(e -> out.add(e.value));
        return out;
    }

    public synchronized int size() {
        return entries.size();
    }

    private <E extends Exception> Entry<V> entry(String key, Factory<V, E> create) throws E {
        Entry<V> e = entries.get(key);
        if (e == null) {
            e = new Entry<>(create.create());
            entries.put(key, e);
        }
        return e;
    }

    private Entry<V> find(V value) {
        for (Entry<V> e : entries.values()) {
            if (e.value == value) {
                return e;
            }
        }
        return null;
    }

    private synchronized void reap(Entry<V> e) {
        if (e.users > 0 || !entries.containsValue(e) || System.nanoTime() - e.releasedAt < grace.toNanos()) {
            return;
        }
        entries.values().remove(e);
        stopUnused(e.value);
    }
}
