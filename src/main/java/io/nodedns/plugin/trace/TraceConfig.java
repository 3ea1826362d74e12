package io.nodedns.plugin.trace;

import java.net.URI;
import java.time.Duration;

/**
 * One {@code trace} directive: where spans go and how many queries are traced. Defaults are
 * CoreDNS's and zipkin-go's HTTP reporter's (backlog 1000, batch 100, interval 1 s).
 *
 * @param endpoint the Zipkin v2 spans URL
 * @param every trace one query in {@code every}; 0 traces none (CoreDNS's counter check)
 * @param service the localEndpoint serviceName
 * @param localHost the block's first bind address (an IP literal) or null; with {@code localPort} the span's localEndpoint
 */
record TraceConfig(URI endpoint, long every, String service, String localHost, int localPort,
        int maxBacklog, int maxBatch, Duration batchInterval) {
    static final String DEFAULT_ENDPOINT = "localhost:9411";
    static final String DEFAULT_SERVICE = "coredns";
    static final int DEFAULT_BACKLOG = 1000;
    static final int DEFAULT_BATCH = 100;
    static final Duration DEFAULT_INTERVAL = Duration.ofSeconds(1);
}
