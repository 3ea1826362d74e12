package io.nodedns.plugin.trace;

import com.google.gson.stream.JsonWriter;
import io.nodedns.log.Log;
import io.nodedns.server.Lifecycle;
import java.io.IOException;
import java.io.StringWriter;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Batches spans and POSTs them to the collector from one virtual thread (zipkin-go's HTTP
 * reporter): a batch goes when it holds {@code maxBatch} spans or {@code batchInterval} after its
 * first span.
 * The backlog is bounded by {@code maxBacklog}: past it the oldest span is dropped and counted, so
 * a slow or dead collector costs memory up to that bound and never a DNS thread's time. A failed
 * POST drops its batch (counted) and is logged once per run of failures.
 */
final class ZipkinReporter implements Lifecycle {
    /** zipkin-go's default request timeout. */
    static final Duration REQUEST_TIMEOUT = Duration.ofSeconds(5);

    private final TraceConfig config;
    private final TraceMetrics metrics;
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition ready = lock.newCondition();
    /** Grows to what it holds, at most maxBacklog. */
    private final ArrayDeque<ZipkinSpan> backlog = new ArrayDeque<>();
    private boolean running;
    private boolean failing;
    private Thread sender;
    private HttpClient http;

    ZipkinReporter(TraceConfig config, TraceMetrics metrics) {
        this.config = config;
        this.metrics = metrics;
    }

    /** Called on the thread that finished the query; takes the lock briefly and never blocks on the network. */
    void report(ZipkinSpan span) {
        metrics.recorded.increment();
        lock.lock();
        try {
            if (backlog.size() >= config.maxBacklog()) {
                backlog.pollFirst();
                metrics.droppedBacklog.increment();
            }
            backlog.addLast(span);
            if (backlog.size() == 1 || backlog.size() >= config.maxBatch()) {
                ready.signal();
            }
        } finally {
            lock.unlock();
        }
    }

    TraceConfig config() {
        return config;
    }

    @Override
    public void start() {
        http = HttpClient.newBuilder().connectTimeout(REQUEST_TIMEOUT)
                .executor(Executors.newVirtualThreadPerTaskExecutor()).build();
        lock.lock();
        try {
            running = true;
        } finally {
            lock.unlock();
        }
        sender = Thread.ofVirtual().name("trace-zipkin").start(this::run);
    }

    /** Sends what is left once, on the sender's thread, and lets it end (a reload does not wait for it). */
    @Override
    public void stop() {
        lock.lock();
        try {
            running = false;
            ready.signal();
        } finally {
            lock.unlock();
        }
    }

    /** Waits up to {@code timeout} for the sender to finish (tests). */
    boolean awaitStopped(Duration timeout) throws InterruptedException {
        return sender == null || sender.join(timeout);
    }

    private void run() {
        try {
            boolean more = true;
            while (more) {
                List<ZipkinSpan> batch = new ArrayList<>();
                more = take(batch);
                if (!batch.isEmpty()) {
                    send(batch);
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            http.close();
        }
    }

    /** Moves up to one batch out of the backlog when it is due; false once stopped and drained. */
    private boolean take(List<ZipkinSpan> batch) throws InterruptedException {
        lock.lock();
        try {
            while (running && backlog.isEmpty()) {
                ready.await(); // an idle sender does not wake: nothing to send until the first span
            }
            long waitNanos = config.batchInterval().toNanos();
            while (running && backlog.size() < config.maxBatch() && waitNanos > 0) {
                waitNanos = ready.awaitNanos(waitNanos);
            }
            while (batch.size() < config.maxBatch() && !backlog.isEmpty()) {
                batch.add(backlog.pollFirst());
            }
            return running || !backlog.isEmpty();
        } finally {
            lock.unlock();
        }
    }

    private void send(List<ZipkinSpan> batch) {
        try {
            HttpRequest request = HttpRequest.newBuilder(config.endpoint()).timeout(REQUEST_TIMEOUT)
                    .header("Content-Type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofString(json(batch))).build();
            HttpResponse<Void> response = http.send(request, HttpResponse.BodyHandlers.discarding());
            if (response.statusCode() / 100 != 2) {
                failed(batch.size(), "collector answered HTTP " + response.statusCode());
                return;
            }
            metrics.sent.add(batch.size());
            if (failing) {
                failing = false;
                Log.info("trace", "sending spans to " + config.endpoint() + " again");
            }
        } catch (IOException e) {
            failed(batch.size(), e.toString());
        } catch (InterruptedException e) {
            failed(batch.size(), "interrupted");
            Thread.currentThread().interrupt();
        }
    }

    private void failed(int spans, String why) {
        metrics.droppedSend.add(spans);
        if (!failing) {
            failing = true;
            Log.warning("trace",
                    "failed to send spans to " + config.endpoint() + ": " + why + " (dropping spans until it answers)");
        }
    }

    String json(List<ZipkinSpan> batch) throws IOException {
        StringWriter out = new StringWriter(256 * batch.size());
        try (JsonWriter w = new JsonWriter(out)) {
            w.beginArray();
            for (ZipkinSpan span : batch) {
                span.write(w, config);
            }
            w.endArray();
        }
        return out.toString();
    }

    static long nowMicros() {
        java.time.Instant now = java.time.Instant.now();
        return TimeUnit.SECONDS.toMicros(now.getEpochSecond()) + now.getNano() / 1000;
    }
}
