package io.nodedns.k8stest;

import com.google.gson.JsonObject;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.BooleanSupplier;
import java.util.function.Predicate;

/**
 * The stand-in's storage: objects as Gson trees, one global monotonically increasing resourceVersion (like
 * an etcd revision), and per resource a bounded event history for watch replay (like the API server's
 * watch cache). Stored objects are never mutated after they are stored; every write stores a new tree.
 * One lock orders writes, history appends and watcher delivery, so a watch never misses or repeats events.
 */
final class ObjectStore {
    interface Subscriber {
        /** Called under the store lock; must not block. */
        void deliver(WatchEvent event);
    }

    /** What a new watch starts with: events to send first, then live events go to the subscriber. */
    record Registration(List<WatchEvent> initial, long resourceVersion) {
    }

    /** One page of a list. */
    record Page(List<JsonObject> items, long resourceVersion, String continueToken, Long remainingItemCount) {
    }

    private static final class State {
        final ResourceType type;
        final TreeMap<String, JsonObject> items = new TreeMap<>();
        final ArrayDeque<WatchEvent> history = new ArrayDeque<>();
        final Set<Subscriber> subscribers = new LinkedHashSet<>();
        /** A watch from RV r can be served iff r >= compactedRv. */
        long compactedRv;

        State(ResourceType type) {
            this.type = type;
        }
    }

    private static final int MAX_CONTINUE_SNAPSHOTS = 64;

    private final ReentrantLock lock = new ReentrantLock();
    private final Condition advanced = lock.newCondition();
    private final Map<String, State> states = new LinkedHashMap<>();
    private final Map<String, TreeMap<String, JsonObject>> snapshots = new LinkedHashMap<>(16, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, TreeMap<String, JsonObject>> eldest) {
            return size() > MAX_CONTINUE_SNAPSHOTS;
        }
    };
    private final int historySize;
    private volatile boolean requireNamespaces;
    private long resourceVersion;

    ObjectStore(List<ResourceType> types, int historySize, boolean requireNamespaces) {
        if (historySize < 1) {
            throw new IllegalArgumentException("historySize must be >= 1");
        }
        for (ResourceType t : types) {
            states.put(t.resourceName(), new State(t));
        }
        this.historySize = historySize;
        this.requireNamespaces = requireNamespaces;
    }

    List<ResourceType> types() {
        return states.values().stream().map(s -> s.type).toList();
    }

    void requireNamespaces(boolean on) {
        requireNamespaces = on;
    }

    long resourceVersion() {
        lock.lock();
        try {
            return resourceVersion;
        } finally {
            lock.unlock();
        }
    }

    static String key(ResourceType type, String namespace, String name) {
        return type.namespaced() ? namespace + "/" + name : name;
    }

    JsonObject get(ResourceType type, String namespace, String name) {
        lock.lock();
        try {
            return state(type).items.get(key(type, namespace, name));
        } finally {
            lock.unlock();
        }
    }

    JsonObject create(ResourceType type, JsonObject input) {
        lock.lock();
        try {
            State st = state(type);
            JsonObject obj = Admission.normalize(type, input);
            JsonObject meta = Json.metadata(obj);
            if (meta.has("resourceVersion") && !meta.get("resourceVersion").getAsString().isEmpty()) {
                throw ApiError.badRequest("resourceVersion should not be set on objects to be created");
            }
            String name = Json.meta(obj, "name");
            if ((name == null || name.isEmpty()) && Json.meta(obj, "generateName") != null) {
                name = Json.meta(obj, "generateName") + Admission.randomSuffix();
                meta.addProperty("name", name);
            }
            Admission.validate(type, obj, name);
            String ns = Json.meta(obj, "namespace");
            if (type.namespaced() && requireNamespaces && states.containsKey("namespaces")
                    && !states.get("namespaces").items.containsKey(ns)) {
                throw new ApiError(404, "NotFound", "namespaces \"" + ns + "\" not found",
                        ApiError.details(ResourceType.NAMESPACES, ns));
            }
            String key = key(type, ns, name);
            if (st.items.containsKey(key)) {
                throw ApiError.alreadyExists(type, name);
            }
            meta.addProperty("uid", UUID.randomUUID().toString());
            meta.addProperty("creationTimestamp", Instant.now().truncatedTo(ChronoUnit.SECONDS).toString());
            if (type.tracksGeneration()) {
                meta.addProperty("generation", 1);
            }
            if (type.kind().equals("Namespace") && !(obj.get("status") instanceof JsonObject)) {
                JsonObject status = new JsonObject();
                status.addProperty("phase", "Active");
                obj.add("status", status);
            }
            return commit(st, "ADDED", key, obj, null);
        } finally {
            lock.unlock();
        }
    }

    /** Replaces an existing object; a non-empty metadata.resourceVersion must match (optimistic concurrency). */
    JsonObject update(ResourceType type, JsonObject input) {
        lock.lock();
        try {
            State st = state(type);
            JsonObject obj = Admission.normalize(type, input);
            String name = Json.meta(obj, "name");
            Admission.validate(type, obj, name);
            String key = key(type, Json.meta(obj, "namespace"), name);
            JsonObject old = st.items.get(key);
            if (old == null) {
                throw ApiError.notFound(type, name);
            }
            String rv = Json.meta(obj, "resourceVersion");
            if (rv != null && !rv.isEmpty() && !rv.equals(Json.meta(old, "resourceVersion"))) {
                throw ApiError.conflict(type, name);
            }
            JsonObject meta = Json.metadata(obj);
            JsonObject oldMeta = Json.metadata(old);
            for (String kept : List.of("uid", "creationTimestamp", "generation", "resourceVersion")) {
                if (oldMeta.has(kept)) {
                    meta.add(kept, oldMeta.get(kept));
                } else {
                    meta.remove(kept);
                }
            }
            if (obj.equals(old)) {
                return old; // a no-op update neither bumps the resourceVersion nor sends an event
            }
            if (type.tracksGeneration() && !Objects.equals(Admission.specOf(obj), Admission.specOf(old))) {
                meta.addProperty("generation", oldMeta.get("generation").getAsLong() + 1);
            }
            return commit(st, "MODIFIED", key, obj, old);
        } finally {
            lock.unlock();
        }
    }

    /** Deletes; deleting a Namespace first deletes everything in it (what the namespace controller does). */
    JsonObject delete(ResourceType type, String namespace, String name, String preconditionRv) {
        lock.lock();
        try {
            State st = state(type);
            String key = key(type, namespace, name);
            JsonObject old = st.items.get(key);
            if (old == null) {
                throw ApiError.notFound(type, name);
            }
            if (preconditionRv != null && !preconditionRv.equals(Json.meta(old, "resourceVersion"))) {
                throw ApiError.conflict(type, name);
            }
            if (type.kind().equals("Namespace") && type.group().isEmpty()) {
                for (State other : states.values()) {
                    if (other.type.namespaced()) {
                        for (String k : List.copyOf(other.items.subMap(name + "/", name + "0").keySet())) {
                            commit(other, "DELETED", k, other.items.get(k).deepCopy(), other.items.get(k));
                        }
                    }
                }
            }
            return commit(st, "DELETED", key, old.deepCopy(), old);
        } finally {
            lock.unlock();
        }
    }

    private JsonObject commit(State st, String type, String key, JsonObject obj, JsonObject previous) {
        long rv = ++resourceVersion;
        Json.metadata(obj).addProperty("resourceVersion", Long.toString(rv));
        if (type.equals("DELETED")) {
            st.items.remove(key);
        } else {
            st.items.put(key, obj);
        }
        WatchEvent ev = new WatchEvent(type, rv, obj, previous);
        st.history.addLast(ev);
        while (st.history.size() > historySize) {
            st.compactedRv = st.history.removeFirst().resourceVersion();
        }
        for (Subscriber s : st.subscribers) {
            s.deliver(ev);
        }
        advanced.signalAll();
        return obj;
    }

    Page list(ResourceType type, String namespace, Predicate<JsonObject> filter, boolean selective, long limit,
            String continueToken) {
        lock.lock();
        try {
            State st = state(type);
            TreeMap<String, JsonObject> source;
            long rv;
            String start;
            if (continueToken != null && !continueToken.isEmpty()) {
                ContinueToken token = ContinueToken.decode(continueToken);
                source = snapshots.get(type.resourceName() + "@" + token.resourceVersion());
                if (source == null || token.resourceVersion() < st.compactedRv) {
                    throw ApiError.expired("The provided continue parameter is too old to display a consistent"
                            + " list result. You can start a new list without the continue parameter.");
                }
                rv = token.resourceVersion();
                start = token.start();
            } else {
                source = st.items;
                rv = resourceVersion;
                start = "";
            }
            Map<String, JsonObject> range = source.tailMap(start, true);
            if (namespace != null && type.namespaced()) {
                String from = start.compareTo(namespace + "/") > 0 ? start : namespace + "/";
                range = source.subMap(from, true, namespace + "0", false); // '0' follows '/'
            }
            List<JsonObject> items = new ArrayList<>();
            String lastKey = null;
            long rest = 0;
            for (Map.Entry<String, JsonObject> e : range.entrySet()) {
                if (!filter.test(e.getValue())) {
                    continue;
                }
                if (limit > 0 && items.size() >= limit) {
                    rest++;
                    if (selective) {
                        break; // the API server gives no remainingItemCount with selectors
                    }
                    continue;
                }
                items.add(e.getValue());
                lastKey = e.getKey();
            }
            if (rest == 0) {
                return new Page(items, rv, null, null);
            }
            snapshots.putIfAbsent(type.resourceName() + "@" + rv, source == st.items ? new TreeMap<>(source) : source);
            String next = new ContinueToken(rv, lastKey + "\u0000").encode();
            return new Page(items, rv, next, selective ? null : rest);
        } finally {
            lock.unlock();
        }
    }

    /**
     * Registers a watch. fromRv null means "start from the current state" (synthetic ADDED events for every
     * object, as for resourceVersion "" or "0"); otherwise replays history after fromRv, or with
     * initialEvents also starts with the synthetic ADDED events (sendInitialEvents=true).
     */
    Registration watch(ResourceType type, Long fromRv, boolean initialEvents, Subscriber subscriber) {
        lock.lock();
        try {
            State st = state(type);
            if (fromRv != null && fromRv > resourceVersion) {
                throw ApiError.tooLargeResourceVersion(fromRv, resourceVersion);
            }
            if (fromRv != null && !initialEvents && fromRv < st.compactedRv) {
                throw ApiError.expired("too old resource version: " + fromRv + " (" + st.compactedRv + ")");
            }
            List<WatchEvent> initial = new ArrayList<>();
            if (fromRv == null || initialEvents) {
                for (JsonObject o : st.items.values()) {
                    initial.add(new WatchEvent("ADDED", Long.parseLong(Json.meta(o, "resourceVersion")), o, null));
                }
            } else {
                for (WatchEvent e : st.history) {
                    if (e.resourceVersion() > fromRv) {
                        initial.add(e);
                    }
                }
            }
            st.subscribers.add(subscriber);
            return new Registration(initial, resourceVersion);
        } finally {
            lock.unlock();
        }
    }

    void unsubscribe(ResourceType type, Subscriber subscriber) {
        lock.lock();
        try {
            state(type).subscribers.remove(subscriber);
        } finally {
            lock.unlock();
        }
    }

    /** The current RV if the caller's queue is drained under the lock (so a bookmark never overtakes an event), else -1. */
    long resourceVersionIfDrained(BooleanSupplier drained) {
        lock.lock();
        try {
            return drained.getAsBoolean() ? resourceVersion : -1;
        } finally {
            lock.unlock();
        }
    }

    /** Waits up to max for the global RV to reach target (the API server waits ~3 s before "too large"). */
    void awaitResourceVersion(long target, Duration max) throws InterruptedException {
        lock.lock();
        try {
            long nanos = max.toNanos();
            while (resourceVersion < target && nanos > 0) {
                nanos = advanced.awaitNanos(nanos);
            }
        } finally {
            lock.unlock();
        }
    }

    /** Like an etcd compaction: every RV up to now becomes too old for watches and continue tokens. */
    void compact() {
        lock.lock();
        try {
            for (State st : states.values()) {
                st.history.clear();
                st.compactedRv = resourceVersion;
            }
            snapshots.clear();
        } finally {
            lock.unlock();
        }
    }

    /** Jumps the global RV forward (e.g. to mimic a different cluster or a restored etcd). */
    void advanceResourceVersion(long to) {
        lock.lock();
        try {
            if (to > resourceVersion) {
                resourceVersion = to;
                advanced.signalAll();
            }
        } finally {
            lock.unlock();
        }
    }

    List<JsonObject> all(ResourceType type) {
        lock.lock();
        try {
            return List.copyOf(state(type).items.values());
        } finally {
            lock.unlock();
        }
    }

    private State state(ResourceType type) {
        State st = states.get(type.resourceName());
        if (st == null) {
            throw new ApiError(404, "NotFound", "the server could not find the requested resource");
        }
        return st;
    }
}
