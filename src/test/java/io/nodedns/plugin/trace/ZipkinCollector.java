package io.nodedns.plugin.trace;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/** A stand-in Zipkin collector: accepts POST /api/v2/spans (a JSON array of v2 spans) and keeps the spans. */
final class ZipkinCollector implements AutoCloseable {
    private final HttpServer http;
    private final LinkedBlockingQueue<JsonObject> spans = new LinkedBlockingQueue<>();
    final List<String> contentTypes = java.util.Collections.synchronizedList(new ArrayList<>());

    ZipkinCollector() throws IOException {
        http = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        http.setExecutor(Executors.newVirtualThreadPerTaskExecutor());
        http.createContext("/api/v2/spans", exchange -> {
            if (!exchange.getRequestMethod().equals("POST")) {
                exchange.sendResponseHeaders(405, -1);
                exchange.close();
                return;
            }
            contentTypes.add(exchange.getRequestHeaders().getFirst("Content-Type"));
            JsonArray array = JsonParser
                    .parseString(new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8))
                    .getAsJsonArray();
            for (JsonElement e : array) {
                spans.add(e.getAsJsonObject());
            }
            exchange.sendResponseHeaders(202, -1); // what Zipkin answers
            exchange.close();
        });
        http.start();
    }

    String hostPort() {
        return "127.0.0.1:" + http.getAddress().getPort();
    }

    /** Waits for {@code n} spans; fails if they do not arrive within {@code within}. */
    List<JsonObject> await(int n, Duration within) throws InterruptedException {
        List<JsonObject> got = new ArrayList<>();
        long deadline = System.nanoTime() + within.toNanos();
        while (got.size() < n) {
            JsonObject s = spans.poll(Math.max(1, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
            if (s == null) {
                throw new AssertionError("got " + got.size() + " of " + n + " spans: " + got);
            }
            got.add(s);
        }
        return got;
    }

    /** Spans that arrived and were not awaited yet. */
    int pending() {
        return spans.size();
    }

    @Override
    public void close() {
        http.stop(0);
    }
}
