package io.nodedns.k8stest;

import com.google.gson.JsonObject;
import com.sun.net.httpserver.HttpExchange;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * One HTTP watch: chunked newline-delimited JSON events ({"type":...,"object":...}), first the replay (or
 * the synthetic ADDED events of the current state), then live events; BOOKMARKs when asked for; the
 * stream ends gracefully at timeoutSeconds or on {@link #close(boolean) close(true)}, and abruptly (no
 * terminating chunk, the connection is dropped by the stopping server) on {@code close(false)}.
 */
final class WatchStream implements ObjectStore.Subscriber {
    /** What ends a stream besides its timeout. */
    private enum End {
        NONE, GRACEFUL, KILL
    }

    /** Parameters of one watch request. */
    record Params(ResourceType type, String version, String namespace, LabelSelector labels, FieldSelector fields,
            Long fromResourceVersion, boolean sendInitialEvents, boolean bookmarks, Duration timeout) {
    }

    private static final WatchEvent WAKE = new WatchEvent("WAKE", 0, new JsonObject(), null);

    private final LinkedBlockingQueue<WatchEvent> queue = new LinkedBlockingQueue<>();
    private final ObjectStore store;
    private final Params p;
    private final Duration bookmarkInterval;
    private final Set<WatchStream> open;
    private final AtomicLong bookmarksSent;
    private volatile End end = End.NONE;

    WatchStream(ObjectStore store, Params params, Duration bookmarkInterval, Set<WatchStream> open,
            AtomicLong bookmarksSent) {
        this.store = store;
        this.p = params;
        this.bookmarkInterval = bookmarkInterval;
        this.open = open;
        this.bookmarksSent = bookmarksSent;
    }

    ResourceType type() {
        return p.type();
    }

    @Override
    public void deliver(WatchEvent event) {
        queue.offer(event);
    }

    /** Ends the stream: graceful writes the terminating chunk; otherwise the caller drops the connection. */
    void close(boolean graceful) {
        end = graceful ? End.GRACEFUL : End.KILL;
        queue.offer(WAKE);
    }

    /** Sends a single 410 ERROR event and ends the stream, as the API server does for a too-old RV. */
    static void expired(HttpExchange ex, String message) throws IOException {
        startStream(ex);
        try (OutputStream out = ex.getResponseBody()) {
            JsonObject ev = new JsonObject();
            ev.addProperty("type", "ERROR");
            ev.add("object", ApiError.expired(message).status());
            out.write((Json.write(ev) + "\n").getBytes(StandardCharsets.UTF_8));
        }
    }

    /** Serves the watch on this (virtual) thread until it ends. Throws ApiError before the stream starts. */
    void serve(HttpExchange ex) throws IOException, InterruptedException {
        ObjectStore.Registration reg;
        open.add(this);
        try {
            reg = store.watch(p.type(), p.fromResourceVersion(), p.sendInitialEvents(), this);
        } catch (ApiError e) {
            open.remove(this);
            if (e.code() != 410) {
                throw e;
            }
            expired(ex, e.getMessage());
            return;
        }
        try {
            startStream(ex);
            OutputStream out = ex.getResponseBody();
            for (WatchEvent e : reg.initial()) {
                send(out, e);
            }
            if (p.sendInitialEvents() && p.bookmarks()) {
                bookmark(out, reg.resourceVersion(), true);
            }
            loop(out);
        } catch (IOException e) {
            // the client went away
        } finally {
            store.unsubscribe(p.type(), this);
            open.remove(this);
            if (end != End.KILL) {
                try {
                    ex.close(); // terminating chunk: the client sees a clean end of stream
                } catch (RuntimeException ignored) {
                    // already broken
                }
            }
        }
    }

    private void loop(OutputStream out) throws IOException, InterruptedException {
        long deadline = System.nanoTime() + p.timeout().toNanos();
        long interval = bookmarkInterval.toNanos();
        long nextBookmark = System.nanoTime() + interval;
        while (end == End.NONE) {
            long now = System.nanoTime();
            if (now >= deadline) {
                return;
            }
            long wait = deadline - now;
            if (p.bookmarks()) {
                wait = Math.min(wait, Math.max(0, nextBookmark - now));
            }
            WatchEvent e = queue.poll(wait, TimeUnit.NANOSECONDS);
            if (end != End.NONE) {
                return;
            }
            if (e != null && e != WAKE) {
                send(out, e);
            }
            if (p.bookmarks() && System.nanoTime() >= nextBookmark) {
                long rv = store.resourceVersionIfDrained(queue::isEmpty);
                if (rv >= 0) { // else events are pending: send them first, bookmark right after
                    bookmark(out, rv, false);
                    nextBookmark = System.nanoTime() + interval;
                }
            }
        }
    }

    private static void startStream(HttpExchange ex) throws IOException {
        ex.getResponseHeaders().set("Content-Type", "application/json");
        ex.getResponseHeaders().set("Cache-Control", "no-cache, private");
        ex.sendResponseHeaders(200, 0); // chunked
        // com.sun's HttpServer buffers the headers until the first body flush; the API server sends them at
        // once, and the client's Watch.createWatch blocks in call.execute() until they arrive.
        ex.getResponseBody().flush();
    }

    private void send(OutputStream out, WatchEvent e) throws IOException {
        JsonObject obj = e.object();
        boolean now = !e.type().equals("DELETED") && matches(obj);
        boolean before = e.previous() != null && matches(e.previous());
        String type;
        switch (e.type()) {
            case "ADDED" -> type = now ? "ADDED" : null;
            case "MODIFIED" -> {
                if (now) {
                    type = before ? "MODIFIED" : "ADDED";
                } else if (before) {
                    type = "DELETED"; // left the selection: the last matching state, at this event's RV
                    obj = e.previous().deepCopy();
                    Json.metadata(obj).addProperty("resourceVersion", Long.toString(e.resourceVersion()));
                } else {
                    type = null;
                }
            }
            case "DELETED" -> type = matches(e.previous() != null ? e.previous() : obj) ? "DELETED" : null;
            default -> type = null;
        }
        if (type != null) {
            write(out, type, Json.withTypeMeta(obj, p.type().kind(), p.type().apiVersion(p.version())));
        }
    }

    private boolean matches(JsonObject o) {
        return (p.namespace() == null || p.namespace().equals(Json.meta(o, "namespace")))
                && p.labels().matches(o) && p.fields().matches(o);
    }

    private void bookmark(OutputStream out, long rv, boolean initialEventsEnd) throws IOException {
        JsonObject meta = new JsonObject();
        meta.addProperty("resourceVersion", Long.toString(rv));
        if (initialEventsEnd) {
            JsonObject ann = new JsonObject();
            ann.addProperty("k8s.io/initial-events-end", "true");
            meta.add("annotations", ann);
        }
        JsonObject obj = new JsonObject();
        obj.addProperty("kind", p.type().kind());
        obj.addProperty("apiVersion", p.type().apiVersion(p.version()));
        obj.add("metadata", meta);
        p.type().zeroFields().entrySet().forEach(f -> obj.add(f.getKey(), f.getValue().deepCopy()));
        bookmarksSent.incrementAndGet(); // before the write: a client may act on it before write() returns
        write(out, "BOOKMARK", obj);
    }

    private static void write(OutputStream out, String type, JsonObject object) throws IOException {
        JsonObject ev = new JsonObject();
        ev.addProperty("type", type);
        ev.add("object", object);
        out.write((Json.write(ev) + "\n").getBytes(StandardCharsets.UTF_8));
        out.flush(); // one chunk per event, sent now
    }
}
