package io.nodedns.k8s;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import io.kubernetes.client.openapi.ApiClient;
import io.kubernetes.client.openapi.ApiException;
import io.kubernetes.client.openapi.Pair;
import io.nodedns.log.Log;
import java.io.IOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BooleanSupplier;
import java.util.function.Function;

/**
 * The list side of a {@link ResourceWatcher}: which version of a resource to read (one discovery
 * request for a CRD with several), the request both lists and watches send, chunked lists with
 * continue tokens, the first list from the API server's watch cache, and the conversion of objects.
 * Used by the watcher's loop thread only.
 *
 * @param <T> the converted object kept per {@code namespace/name}
 */
final class ResourceLister<T> {
    static final int PAGE = 500;
    private static final String[] AUTH = {"BearerToken"};

    /** One complete list: the converted objects and the list's resourceVersion. */
    record Listed<T>(Map<String, T> items, String resourceVersion) {
    }

    private final ResourceRef[] candidates; // tried in turn when a list answers 404 (CRD versions)
    private volatile ResourceRef resource;
    private final String namespace; // null: all namespaces
    private final String selector; // null: none
    private final String logPlugin;
    private final String subject;
    private final Function<JsonObject, T> convert;
    private final AtomicLong skipped = new AtomicLong();
    private boolean probed; // the served version of a multi-version resource is known
    private boolean cachedListRefused; // the server answered resourceVersion=0 with 410/504

    ResourceLister(ResourceRef[] versions, String namespace, String selector, String logPlugin, String subject,
            Function<JsonObject, T> convert) {
        this.candidates = versions.clone();
        this.resource = versions[0];
        this.namespace = namespace;
        this.selector = selector;
        this.logPlugin = logPlugin;
        this.subject = subject;
        this.convert = convert;
    }

    ResourceRef resource() {
        return resource;
    }

    String namespace() {
        return namespace;
    }

    long skippedTotal() {
        return skipped.get();
    }

    /** A GET of the collection (list or watch, by the query), with the label selector. */
    okhttp3.Call call(ApiClient c, List<Pair> query) throws ApiException {
        if (selector != null) {
            query.addAll(c.parameterToPair("labelSelector", selector));
        }
        return c.buildCall(null, resource.path(namespace), "GET", query, new ArrayList<>(), null,
                new HashMap<>(Map.of("Accept", "application/json")), new HashMap<>(), new HashMap<>(), AUTH, null);
    }

    /** A watch from resourceVersion rv with bookmarks, ended by the server after timeoutSeconds. */
    okhttp3.Call watchCall(ApiClient c, String rv, int timeoutSeconds) throws ApiException {
        List<Pair> q = new ArrayList<>();
        q.addAll(c.parameterToPair("watch", true));
        q.addAll(c.parameterToPair("resourceVersion", rv));
        q.addAll(c.parameterToPair("allowWatchBookmarks", true));
        q.addAll(c.parameterToPair("timeoutSeconds", timeoutSeconds));
        return call(c, q);
    }

    /**
     * Lists every page: from the watch cache for the first list ({@code fromCache},
     * resourceVersion=0), from etcd after that or when the server refuses the cached list.
     */
    Listed<T> list(ApiClient c, boolean fromCache, BooleanSupplier running) throws ApiException, IOException {
        if (candidates.length > 1 && !probed) {
            probe(c);
        }
        try {
            return listOnce(c, fromCache, running);
        } catch (ApiException e) {
            if (e.getCode() != 404 || candidates.length < 2) {
                throw e;
            }
            ResourceRef before = resource; // the CRD's versions changed since the probe
            probe(c);
            if (resource.equals(before)) {
                throw e;
            }
            return listOnce(c, fromCache, running);
        }
    }

    /**
     * Asks the API server which versions of the group it serves (GET /apis/GROUP, one request) and
     * uses the first candidate served, so a v1alpha1-only cluster is no failed list, no WARNING and
     * no backoff step at every start.
     */
    private void probe(ApiClient c) throws ApiException, IOException {
        String group = resource.group();
        c.setReadTimeout(30_000);
        okhttp3.Call call = c.buildCall(null, "/apis/" + group, "GET", new ArrayList<>(), new ArrayList<>(), null,
                new HashMap<>(Map.of("Accept", "application/json")), new HashMap<>(), new HashMap<>(), AUTH, null);
        JsonObject doc;
        try {
            doc = c.<JsonObject>execute(call, JsonObject.class).getData();
        } catch (ApiException e) {
            if (e.getCode() == 404) {
                throw new IOException("the API server serves no " + group + " API (is the " + resource.logName()
                        + " CRD installed?)", e);
            }
            throw e;
        }
        List<String> served = new ArrayList<>();
        for (JsonElement v : Json.array(doc, "versions")) {
            if (v.isJsonObject() && Json.string(v.getAsJsonObject(), "version") != null) {
                served.add(Json.string(v.getAsJsonObject(), "version"));
            }
        }
        for (ResourceRef r : candidates) {
            if (served.contains(r.version())) {
                resource = r;
                probed = true;
                return;
            }
        }
        throw new IOException("the API server serves " + group + " " + served + ", none of the versions nodedns reads "
                + java.util.Arrays.stream(candidates).map(ResourceRef::version).toList());
    }

    private Listed<T> listOnce(ApiClient c, boolean fromCache, BooleanSupplier running)
            throws ApiException, IOException {
        boolean cached = fromCache && !cachedListRefused;
        try {
            return pages(c, cached ? "0" : null, running);
        } catch (ApiException e) {
            if (!cached || (e.getCode() != 410 && e.getCode() != 504)) {
                throw e;
            }
            cachedListRefused = true;
            Log.info(logPlugin, subject + ": the API server refused to list " + resource.logName()
                    + " from its cache (" + ApiErrors.brief(e) + "); listing from etcd");
            return pages(c, null, running);
        }
    }

    private Listed<T> pages(ApiClient c, String fromRv, BooleanSupplier running) throws ApiException, IOException {
        c.setReadTimeout(30_000);
        Map<String, T> next = new ConcurrentHashMap<>();
        String cont = null;
        String rv;
        int pages = 0;
        do {
            List<Pair> q = new ArrayList<>(c.parameterToPair("limit", PAGE));
            if (cont != null) {
                q.addAll(c.parameterToPair("continue", cont));
            } else if (fromRv != null) {
                q.addAll(c.parameterToPair("resourceVersion", fromRv));
            }
            JsonObject page;
            try {
                page = c.<JsonObject>execute(call(c, q), JsonObject.class).getData();
                pages++;
            } catch (ApiException e) {
                if (e.getCode() == 410 && cont != null) { // a failure like any other: backoff and a log line
                    throw new IOException("the continue token expired after " + pages + " pages (" + ApiErrors.brief(e)
                            + "); the list starts over", e);
                }
                throw e;
            }
            if (!running.getAsBoolean()) {
                throw new ApiException("stopped");
            }
            JsonArray items = Json.array(page, "items");
            for (JsonElement e : items) {
                if (e.isJsonObject()) {
                    accept(next, e.getAsJsonObject());
                }
            }
            JsonObject meta = Json.object(page, "metadata"); // null when absent or not an object
            rv = Json.string(meta, "resourceVersion");
            cont = Json.string(meta, "continue");
        } while (cont != null && !cont.isEmpty());
        return new Listed<>(next, rv == null ? "" : rv);
    }

    /** Converts and keeps the object; one the converter rejects is skipped, counted and dropped. */
    void accept(Map<String, T> into, JsonObject o) {
        String key = key(o);
        T t;
        try {
            t = key == null ? null : convert.apply(o);
        } catch (RuntimeException e) {
            t = null;
        }
        if (t == null) {
            skipped.incrementAndGet();
            if (key != null) {
                into.remove(key);
            }
            return;
        }
        into.put(key, t);
    }

    /** {@code namespace/name}, or null for an object without a name. */
    static String key(JsonObject o) {
        JsonObject m = Json.object(o, "metadata");
        String name = Json.string(m, "name");
        if (name == null) {
            return null;
        }
        String ns = Json.string(m, "namespace");
        return (ns == null ? "" : ns) + "/" + name;
    }
}
