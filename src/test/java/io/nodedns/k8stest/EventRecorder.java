package io.nodedns.k8stest;

import io.kubernetes.client.common.KubernetesObject;
import io.kubernetes.client.informer.ResourceEventHandler;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/** Records informer callbacks with arrival times; tests wait for specific ones. */
final class EventRecorder<T extends KubernetesObject> implements ResourceEventHandler<T> {
    /** One callback: ADD, UPDATE or DELETE of namespace/name, and System.nanoTime() at arrival. */
    record Event(String type, String key, long nanos, boolean finalStateUnknown, KubernetesObject object) {
    }

    private final LinkedBlockingQueue<Event> queue = new LinkedBlockingQueue<>();
    private final List<Event> all = new CopyOnWriteArrayList<>();

    @Override
    public void onAdd(T obj) {
        record("ADD", obj, false);
    }

    @Override
    public void onUpdate(T oldObj, T newObj) {
        record("UPDATE", newObj, false);
    }

    @Override
    public void onDelete(T obj, boolean deletedFinalStateUnknown) {
        record("DELETE", obj, deletedFinalStateUnknown);
    }

    private void record(String type, T obj, boolean unknown) {
        Event e = new Event(type, key(obj), System.nanoTime(), unknown, obj);
        all.add(e);
        queue.add(e);
    }

    static String key(KubernetesObject o) {
        String ns = o.getMetadata().getNamespace();
        return (ns == null ? "" : ns + "/") + o.getMetadata().getName();
    }

    /** Waits for the next callback of this type and key, skipping others; fails after the timeout. */
    Event await(String type, String key, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            long left = deadline - System.nanoTime();
            Event e = left > 0 ? queue.poll(left, TimeUnit.NANOSECONDS) : null;
            if (e == null) {
                throw new AssertionError(
                        "no " + type + " " + key + " within " + timeout.toMillis() + " ms; seen: " + summary());
            }
            if (e.type().equals(type) && e.key().equals(key)) {
                return e;
            }
        }
    }

    List<Event> all() {
        return List.copyOf(all);
    }

    boolean sawKey(String key) {
        return all.stream().anyMatch(e -> e.key().equals(key));
    }

    String summary() {
        return all.stream().map(e -> e.type() + " " + e.key()).toList().toString();
    }
}
