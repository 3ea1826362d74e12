package io.nodedns.k8stest;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/** A plain JDK HTTP client for protocol-level checks of the stand-in (no Kubernetes client in between). */
final class RawHttp {
    /** Status and parsed JSON body (null if not JSON). */
    record Reply(int status, JsonObject body, String text) {
    }

    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
    private final String base;

    RawHttp(String base) {
        this.base = base;
    }

    static String enc(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8);
    }

    Reply get(String pathAndQuery) throws IOException, InterruptedException {
        return send("GET", pathAndQuery, null, null);
    }

    Reply send(String method, String pathAndQuery, JsonObject body, String contentType)
            throws IOException, InterruptedException {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(base + pathAndQuery)).timeout(Duration.ofSeconds(10));
        if (body != null) {
            b.header("Content-Type", contentType == null ? "application/json" : contentType);
            b.method(method, HttpRequest.BodyPublishers.ofString(body.toString()));
        } else {
            b.method(method, HttpRequest.BodyPublishers.noBody());
        }
        HttpResponse<String> r = http.send(b.build(), HttpResponse.BodyHandlers.ofString());
        JsonObject json = null;
        try {
            if (r.body().startsWith("{")) {
                json = JsonParser.parseString(r.body()).getAsJsonObject();
            }
        } catch (RuntimeException e) {
            // not JSON
        }
        return new Reply(r.statusCode(), json, r.body());
    }

    /** Opens a streaming GET; lines arrive in the returned Stream's queue. */
    Stream watch(String pathAndQuery) throws IOException, InterruptedException {
        HttpRequest req = HttpRequest.newBuilder(URI.create(base + pathAndQuery)).GET().build();
        HttpResponse<InputStream> r = http.send(req, HttpResponse.BodyHandlers.ofInputStream());
        Stream s = new Stream(r.statusCode(), r.body());
        Thread.ofVirtual().start(s::pump);
        return s;
    }

    /** A watch stream read on a virtual thread: JSON events, then END (clean end) or BROKEN (I/O error). */
    static final class Stream implements AutoCloseable {
        static final JsonObject END = new JsonObject();
        static final JsonObject BROKEN = new JsonObject();

        final int status;
        private final InputStream in;
        private final LinkedBlockingQueue<JsonObject> lines = new LinkedBlockingQueue<>();

        Stream(int status, InputStream in) {
            this.status = status;
            this.in = in;
        }

        private void pump() {
            try (BufferedReader r = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8))) {
                String line;
                while ((line = r.readLine()) != null) {
                    if (!line.isBlank()) {
                        lines.add(JsonParser.parseString(line).getAsJsonObject());
                    }
                }
                lines.add(END);
            } catch (IOException | RuntimeException e) {
                lines.add(BROKEN);
            }
        }

        /** The next event, END, BROKEN, or null on timeout. */
        JsonObject next(Duration timeout) throws InterruptedException {
            return lines.poll(timeout.toMillis(), TimeUnit.MILLISECONDS);
        }

        /** The next event that is not a BOOKMARK (END/BROKEN/null pass through). */
        JsonObject nextNonBookmark(Duration timeout) throws InterruptedException {
            long deadline = System.nanoTime() + timeout.toNanos();
            while (true) {
                JsonObject e = next(Duration.ofNanos(Math.max(0, deadline - System.nanoTime())));
                if (e == null || e == END || e == BROKEN || !"BOOKMARK".equals(type(e))) {
                    return e;
                }
            }
        }

        static String type(JsonObject event) {
            return event.get("type").getAsString();
        }

        static String name(JsonObject event) {
            return event.getAsJsonObject("object").getAsJsonObject("metadata").get("name").getAsString();
        }

        @Override
        public void close() {
            try {
                in.close();
            } catch (IOException e) {
                // ignore
            }
        }
    }
}
