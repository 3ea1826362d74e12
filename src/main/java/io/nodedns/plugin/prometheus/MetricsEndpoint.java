package io.nodedns.plugin.prometheus;

import io.nodedns.server.HttpExchange;
import io.nodedns.server.HttpHandler;
import io.prometheus.metrics.expositionformats.ExpositionFormatWriter;
import io.prometheus.metrics.expositionformats.ExpositionFormats;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Serves the metrics in the format the scraper asks for (Prometheus text by default). One scrape
 * renders at a time: each holds every family's snapshot and its body (about 50 KiB for the
 * node-local-dns Corefile) while it renders, and 2,900 connections asking at once exhausted the
 * image's heap (-Xmx128m) and ended the process; others wait, parked, for their turn (a
 * scraper asks every 15-30 s and its render takes milliseconds).
 */
final class MetricsEndpoint implements HttpHandler {
    private final DnsMetrics metrics;
    private final ExpositionFormats formats = ExpositionFormats.init();
    private final ReentrantLock rendering = new ReentrantLock();

    MetricsEndpoint(DnsMetrics metrics) {
        this.metrics = metrics;
    }

    @Override
    public void handle(HttpExchange exchange) throws IOException {
        ExpositionFormatWriter writer = formats.findWriter(exchange.requestHeader("Accept"));
        if (writer == null || !writer.isAvailable()) {
            writer = formats.getPrometheusTextFormatWriter();
        }
        ByteArrayOutputStream body;
        rendering.lock();
        try {
            body = new ByteArrayOutputStream(16384); // made under the lock: waiting scrapes hold no buffer
            writer.write(body, metrics.scrape());
        } finally {
            rendering.unlock();
        }
        exchange.send(200, writer.getContentType(), body.toByteArray());
    }
}
