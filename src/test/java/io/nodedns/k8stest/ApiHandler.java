package io.nodedns.k8stest;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpHandler;
import java.io.IOException;
import java.io.OutputStream;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;

/** Routes HTTP requests: fault injection first, then discovery, then resource CRUD, list and watch. */
final class ApiHandler implements HttpHandler {
    /** A parsed resource URL. */
    private record Target(ResourceType type, String version, String namespace, String name, String subresource,
            boolean watchPath) {
    }

    private final ObjectStore store;
    private final Faults faults;
    private final DiscoveryDocs discovery;
    private final StandInApiServer.Settings settings;
    private final Set<WatchStream> openWatches;
    private final AtomicLong bookmarksSent;
    private final Authn authn;

    ApiHandler(ObjectStore store, Faults faults, DiscoveryDocs discovery, StandInApiServer.Settings settings,
            Set<WatchStream> openWatches, AtomicLong bookmarksSent, Authn authn) {
        this.authn = authn;
        this.store = store;
        this.faults = faults;
        this.discovery = discovery;
        this.settings = settings;
        this.openWatches = openWatches;
        this.bookmarksSent = bookmarksSent;
    }

    @Override
    public void handle(HttpExchange ex) throws IOException {
        String path = ex.getRequestURI().getRawPath();
        path = URLDecoder.decode(path, StandardCharsets.UTF_8);
        Map<String, String> query = query(ex.getRequestURI().getRawQuery());
        String user = authn == null ? null : authn.authenticate(ex);
        RecordedRequest rec = new RecordedRequest(ex.getRequestMethod(), path, query, Instant.now(), user, sni(ex),
                ex.getRemoteAddress().getPort(), ex.getRequestHeaders().getFirst("Accept-Encoding"));
        faults.record(rec);
        try {
            if (authn != null && user == null) {
                throw new ApiError(401, "Unauthorized", "Unauthorized");
            }
            if (user != null && faults.forbidden(rec)) {
                throw new ApiError(403, "Forbidden", forbidden(rec, user));
            }
            Duration delay = faults.delayFor(rec);
            if (!delay.isZero()) {
                Thread.sleep(delay);
            }
            int failure = faults.failureFor(rec);
            if (failure != 0) {
                if (failure == 429 || failure == 503) {
                    ex.getResponseHeaders().set("Retry-After", Integer.toString(faults.retryAfterSeconds()));
                }
                throw new ApiError(failure, ApiError.reasonFor(failure), "injected failure (stand-in fault mode)");
            }
            route(ex, rec);
        } catch (ApiError e) {
            send(ex, e.code(), e.status());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            ex.close();
        } catch (RuntimeException e) {
            send(ex, 500, ApiError.status(500, "InternalError", "stand-in: " + e, null));
        }
    }

    private static String sni(HttpExchange ex) {
        if (ex instanceof com.sun.net.httpserver.HttpsExchange https
                && https.getSSLSession() instanceof javax.net.ssl.ExtendedSSLSession s) {
            for (javax.net.ssl.SNIServerName n : s.getRequestedServerNames()) {
                if (n instanceof javax.net.ssl.SNIHostName h) {
                    return h.getAsciiName();
                }
            }
        }
        return null;
    }

    /** The API server's RBAC denial text: verb, resource, group and scope. */
    private String forbidden(RecordedRequest rec, String user) {
        String verb = rec.isWatch()
                ? "watch"
                : rec.method().equals("GET") ? "list" : rec.method().toLowerCase(java.util.Locale.ROOT);
        try {
            Target t = parse(rec.path());
            String resource = t.type().plural();
            String scope = t.namespace() == null
                    ? "at the cluster scope"
                    : "in the namespace \"" + t.namespace() + "\"";
            return resource + " is forbidden: User \"" + user + "\" cannot " + verb + " resource \"" + resource
                    + "\" in API group \"" + t.type().group() + "\" " + scope;
        } catch (ApiError e) {
            return "forbidden: User \"" + user + "\" cannot " + verb + " path \"" + rec.path() + "\"";
        }
    }

    private void route(HttpExchange ex, RecordedRequest rec) throws IOException, InterruptedException {
        String path = rec.path();
        if (path.equals("/healthz") || path.equals("/livez") || path.equals("/readyz")) {
            byte[] ok = "ok".getBytes(StandardCharsets.UTF_8);
            ex.getResponseHeaders().set("Content-Type", "text/plain; charset=utf-8");
            ex.sendResponseHeaders(200, ok.length);
            try (OutputStream out = ex.getResponseBody()) {
                out.write(ok);
            }
            return;
        }
        if (discovery.isDiscoveryPath(path)) {
            requireMethod(rec, "GET");
            JsonObject doc = discovery.forPath(path);
            if (doc == null) {
                throw new ApiError(404, "NotFound", "the server could not find the requested resource");
            }
            send(ex, doc.has("code") ? doc.get("code").getAsInt() : 200, doc);
            return;
        }
        Target t = parse(path);
        Map<String, String> q = rec.query();
        boolean collection = t.name() == null;
        switch (rec.method()) {
            case "GET" -> {
                if (collection && (t.watchPath() || rec.isWatch())) {
                    watch(ex, t, q);
                } else if (collection) {
                    list(ex, t, q);
                } else {
                    JsonObject o = store.get(t.type(), t.namespace(), t.name());
                    if (o == null) {
                        throw ApiError.notFound(t.type(), t.name());
                    }
                    send(ex, 200, out(t, o));
                }
            }
            case "POST" -> {
                if (!collection || (t.type().namespaced() && t.namespace() == null)) {
                    throw new ApiError(405, "MethodNotAllowed",
                            "the server does not allow this method on the requested resource");
                }
                JsonObject body = body(ex, t);
                send(ex, 201, out(t, store.create(t.type(), body)));
            }
            case "PUT" -> {
                requireObject(t);
                JsonObject body = body(ex, t);
                if (!t.name().equals(Json.meta(body, "name"))) {
                    throw ApiError.badRequest("the name of the object (" + Json.meta(body, "name")
                            + ") does not match the name on the URL (" + t.name() + ")");
                }
                send(ex, 200, out(t, store.update(t.type(), body)));
            }
            case "PATCH" -> {
                requireObject(t);
                String ct = String.valueOf(ex.getRequestHeaders().getFirst("Content-Type"));
                if (!ct.startsWith("application/merge-patch+json")) {
                    throw new ApiError(415, "UnsupportedMediaType", "the stand-in supports only"
                            + " application/merge-patch+json patches, not " + ct);
                }
                JsonObject cur = store.get(t.type(), t.namespace(), t.name());
                if (cur == null) {
                    throw ApiError.notFound(t.type(), t.name());
                }
                JsonObject patched = Json.mergePatch(cur, Json.parseObject(read(ex))).getAsJsonObject();
                send(ex, 200, out(t, store.update(t.type(), patched)));
            }
            case "DELETE" -> {
                if (collection) {
                    deleteCollection(ex, t, q);
                    return;
                }
                String body = read(ex);
                String precondition = null;
                if (!body.isBlank() && Json.parseObject(body).get("preconditions") instanceof JsonObject pre
                        && pre.has("resourceVersion")) {
                    precondition = pre.get("resourceVersion").getAsString();
                }
                JsonObject gone = store.delete(t.type(), t.namespace(), t.name(), precondition);
                if (t.type().returnsDeletedObject()) {
                    send(ex, 200, out(t, gone));
                } else {
                    JsonObject details = ApiError.details(t.type(), t.name());
                    details.addProperty("uid", Json.meta(gone, "uid"));
                    send(ex, 200, ApiError.status(200, "", null, details));
                }
            }
            default -> throw new ApiError(405, "MethodNotAllowed",
                    "the server does not allow this method on the requested resource");
        }
    }

    private void list(HttpExchange ex, Target t, Map<String, String> q) throws IOException, InterruptedException {
        LabelSelector labels = LabelSelector.parse(q.get("labelSelector"));
        FieldSelector fields = FieldSelector.parse(q.get("fieldSelector"), t.type());
        String cont = q.get("continue");
        String rv = q.getOrDefault("resourceVersion", "");
        if (cont != null && !cont.isEmpty() && !rv.isEmpty()) {
            throw ApiError.badRequest("specifying resource version is not allowed when using continue");
        }
        if (cont != null && !cont.isEmpty() && faults.expireContinueTokens()) {
            throw ApiError.expired("The provided continue parameter is too old to display a consistent"
                    + " list result. You can start a new list without the continue parameter.");
        }
        if (!rv.isEmpty() && !rv.equals("0")) {
            long asked = parseRv(rv);
            waitFor(asked);
            if ("Exact".equals(q.get("resourceVersionMatch")) && asked != store.resourceVersion()) {
                throw ApiError.expired("too old resource version: " + asked + " (stand-in serves exact lists only"
                        + " at the current resourceVersion " + store.resourceVersion() + ")");
            }
        }
        long limit = q.containsKey("limit") ? number("limit", q.get("limit")) : 0;
        ObjectStore.Page page = store.list(t.type(), t.namespace(), o -> labels.matches(o) && fields.matches(o),
                !labels.isEverything() || !fields.isEverything(), limit, cont);
        JsonObject list = new JsonObject();
        list.addProperty("kind", t.type().kind() + "List");
        list.addProperty("apiVersion", t.type().apiVersion(t.version()));
        JsonObject meta = new JsonObject();
        meta.addProperty("resourceVersion", Long.toString(page.resourceVersion()));
        if (page.continueToken() != null) {
            meta.addProperty("continue", page.continueToken());
        }
        if (page.remainingItemCount() != null) {
            meta.addProperty("remainingItemCount", page.remainingItemCount());
        }
        list.add("metadata", meta);
        JsonArray items = new JsonArray();
        for (JsonObject o : page.items()) {
            JsonObject item = out(t, o);
            if (t.type().builtin()) { // the API server leaves type meta off built-in list items
                item.remove("kind");
                item.remove("apiVersion");
            }
            items.add(item);
        }
        list.add("items", items);
        send(ex, 200, list);
    }

    private void watch(HttpExchange ex, Target t, Map<String, String> q) throws IOException, InterruptedException {
        String rv = q.getOrDefault("resourceVersion", "");
        Long from = rv.isEmpty() || rv.equals("0") ? null : parseRv(rv);
        boolean initialEvents = "true".equals(q.get("sendInitialEvents"));
        WatchStream.Params params = new WatchStream.Params(t.type(), t.version(), t.namespace(),
                LabelSelector.parse(q.get("labelSelector")), FieldSelector.parse(q.get("fieldSelector"), t.type()),
                from, initialEvents, "true".equals(q.get("allowWatchBookmarks")), watchTimeout(q));
        if (faults.takeForcedExpiry()) {
            WatchStream.expired(ex, "too old resource version: " + rv + " (" + store.resourceVersion()
                    + ") [forced by the stand-in]");
            return;
        }
        if (from != null) {
            waitFor(from);
        }
        new WatchStream(store, params, settings.bookmarkInterval(), openWatches, bookmarksSent).serve(ex);
    }

    private void deleteCollection(HttpExchange ex, Target t, Map<String, String> q) throws IOException {
        LabelSelector labels = LabelSelector.parse(q.get("labelSelector"));
        FieldSelector fields = FieldSelector.parse(q.get("fieldSelector"), t.type());
        JsonArray items = new JsonArray();
        for (JsonObject o : store.all(t.type())) {
            if ((t.namespace() == null || t.namespace().equals(Json.meta(o, "namespace")))
                    && labels.matches(o) && fields.matches(o)) {
                try {
                    items.add(out(t, store.delete(t.type(), Json.meta(o, "namespace"), Json.meta(o, "name"), null)));
                } catch (ApiError e) {
                    // deleted meanwhile
                }
            }
        }
        JsonObject list = new JsonObject();
        list.addProperty("kind", t.type().kind() + "List");
        list.addProperty("apiVersion", t.type().apiVersion(t.version()));
        JsonObject meta = new JsonObject();
        meta.addProperty("resourceVersion", Long.toString(store.resourceVersion()));
        list.add("metadata", meta);
        list.add("items", items);
        send(ex, 200, list);
    }

    private Duration watchTimeout(Map<String, String> q) {
        String s = q.get("timeoutSeconds");
        long secs = s == null || s.isEmpty() ? 0 : number("timeoutSeconds", s);
        return secs > 0 ? Duration.ofSeconds(secs) : settings.maxWatchTimeout();
    }

    /** Like the watch cache: wait a while for a future RV, then 504 "Too large resource version". */
    private void waitFor(long asked) throws InterruptedException {
        if (asked > store.resourceVersion()) {
            store.awaitResourceVersion(asked, settings.tooLargeResourceVersionWait());
            long now = store.resourceVersion();
            if (asked > now) {
                throw ApiError.tooLargeResourceVersion(asked, now);
            }
        }
    }

    private static long parseRv(String rv) {
        return number("resourceVersion", rv);
    }

    private static long number(String param, String value) {
        try {
            return Long.parseLong(value);
        } catch (NumberFormatException e) {
            throw ApiError.badRequest(param + ": Invalid value: \"" + value + "\": must be an integer");
        }
    }

    private Target parse(String path) {
        List<String> seg = new ArrayList<>(Arrays.asList(path.replaceAll("^/+|/+$", "").split("/")));
        String group;
        String version;
        if (seg.size() >= 3 && seg.getFirst().equals("api")) {
            group = "";
            version = seg.get(1);
            seg = seg.subList(2, seg.size());
        } else if (seg.size() >= 4 && seg.getFirst().equals("apis")) {
            group = seg.get(1);
            version = seg.get(2);
            seg = seg.subList(3, seg.size());
        } else {
            throw new ApiError(404, "NotFound", "the server could not find the requested resource");
        }
        boolean watchPath = !seg.isEmpty() && seg.getFirst().equals("watch");
        if (watchPath) {
            seg = seg.subList(1, seg.size());
        }
        String namespace = null;
        if (seg.size() >= 3 && seg.getFirst().equals("namespaces")) {
            namespace = seg.get(1);
            seg = seg.subList(2, seg.size());
        }
        String plural = seg.isEmpty() ? "" : seg.getFirst();
        ResourceType type = store.types().stream()
                .filter(rt -> rt.group().equals(group) && rt.plural().equals(plural) && rt.serves(version))
                .findFirst().orElse(null);
        if (type == null || seg.size() > 3 || (namespace != null && !type.namespaced())) {
            throw new ApiError(404, "NotFound", "the server could not find the requested resource");
        }
        String name = seg.size() >= 2 ? seg.get(1) : null;
        String sub = seg.size() == 3 ? seg.get(2) : null;
        if (sub != null || (name != null && type.namespaced() && namespace == null)) {
            throw new ApiError(404, "NotFound", "the server could not find the requested resource"
                    + (sub != null ? " (the stand-in serves no subresources)" : ""));
        }
        return new Target(type, version, namespace, name, sub, watchPath);
    }

    private static void requireObject(Target t) {
        if (t.name() == null) {
            throw new ApiError(405, "MethodNotAllowed",
                    "the server does not allow this method on the requested resource");
        }
    }

    private static void requireMethod(RecordedRequest rec, String method) {
        if (!rec.method().equals(method)) {
            throw new ApiError(405, "MethodNotAllowed",
                    "the server does not allow this method on the requested resource");
        }
    }

    /** The request body as an object, its namespace checked against (or taken from) the URL. */
    private static JsonObject body(HttpExchange ex, Target t) throws IOException {
        JsonObject body = Json.parseObject(read(ex));
        if (t.type().namespaced() && t.namespace() != null) {
            if (!(body.get("metadata") instanceof JsonObject)) {
                body.add("metadata", new JsonObject());
            }
            String ns = Json.meta(body, "namespace");
            if (ns != null && !ns.isEmpty() && !ns.equals(t.namespace())) {
                throw ApiError.badRequest("the namespace of the provided object does not match the namespace"
                        + " sent on the request");
            }
            Json.metadata(body).addProperty("namespace", t.namespace());
        }
        return body;
    }

    /** The stored object as served at the URL's version. */
    private static JsonObject out(Target t, JsonObject stored) {
        return Json.withTypeMeta(stored, t.type().kind(), t.type().apiVersion(t.version()));
    }

    private static String read(HttpExchange ex) throws IOException {
        return new String(ex.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
    }

    private static Map<String, String> query(String raw) {
        Map<String, String> q = new LinkedHashMap<>();
        if (raw == null || raw.isEmpty()) {
            return q;
        }
        for (String pair : raw.split("&")) {
            int eq = pair.indexOf('=');
            String k = URLDecoder.decode(eq < 0 ? pair : pair.substring(0, eq), StandardCharsets.UTF_8);
            String v = eq < 0 ? "" : URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8);
            q.put(k, v);
        }
        return q;
    }

    static void send(HttpExchange ex, int code, JsonElement body) throws IOException {
        byte[] bytes = Json.write(body).getBytes(StandardCharsets.UTF_8);
        ex.getResponseHeaders().set("Content-Type", "application/json");
        ex.sendResponseHeaders(code, bytes.length);
        try (OutputStream out = ex.getResponseBody()) {
            out.write(bytes);
        }
    }
}
