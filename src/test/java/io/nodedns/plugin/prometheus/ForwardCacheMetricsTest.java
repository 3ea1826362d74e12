package io.nodedns.plugin.prometheus;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.nodedns.testing.DnsClient;
import io.nodedns.testing.FakeUpstream;
import io.nodedns.testing.FreePorts;
import io.nodedns.testing.MetricValues;
import io.nodedns.testing.TestServer;
import org.junit.jupiter.api.Test;
import org.xbill.DNS.Type;

/** forward's proxy_* / forward_* and cache's cache_* series, and their survival across a reload. */
class ForwardCacheMetricsTest {
    /** A block on {@code dns} with prometheus on {@code http}, cache, and forward to {@code upstream}. */
    private static String corefile(int dns, int http, FakeUpstream upstream) {
        return """
                .:%d {
                    prometheus 127.0.0.1:%d
                    cache
                    forward . %s
                }
                """.formatted(dns, http, upstream.hostPort());
    }

    @Test
    void forwardAndCacheSeries() throws Exception {
        int dns = FreePorts.udpAndTcp();
        int http = FreePorts.udpAndTcp();
        try (FakeUpstream upstream = FakeUpstream.start()) {
            String corefile = corefile(dns, http, upstream);
            try (TestServer server = TestServer.fromText(corefile); DnsClient client = new DnsClient(dns)) {
                for (int i = 0; i < 3; i++) {
                    client.udp(DnsClient.query("same.example.org", Type.A));
                }
                client.udp(DnsClient.query("other.example.org", Type.A));
                String body = MetricValues.scrape(http);
                String to = "to=\"" + upstream.hostPort() + "\"";
                assertEquals(2.0,
                        MetricValues.valueIn(body, "coredns_proxy_request_duration_seconds_count", to,
                                "rcode=\"NOERROR\"",
                                "proxy_name=\"forward\""),
                        body);
                assertEquals(2.0,
                        MetricValues.valueIn(body, "coredns_proxy_request_duration_seconds_bucket", to, "le=\"+Inf\""));
                assertEquals(0.0, MetricValues.valueIn(body, "coredns_proxy_healthcheck_failures_total", to));
                assertTrue(body.contains("coredns_forward_healthcheck_broken_total 0"), body);
                assertEquals(4.0, MetricValues.valueIn(body, "coredns_cache_requests_total",
                        "server=\"dns://:" + dns + "\"", "zones=\".\""));
                assertEquals(2.0, MetricValues.valueIn(body, "coredns_cache_hits_total", "type=\"success\""));
                assertEquals(2.0, MetricValues.valueIn(body, "coredns_cache_entries", "type=\"success\""));

                // Counters keep counting between scrapes.
                client.udp(DnsClient.query("same.example.org", Type.A));
                String after = MetricValues.scrape(http);
                assertEquals(3.0, MetricValues.valueIn(after, "coredns_cache_hits_total", "type=\"success\""));
            }
        }
    }

    /**
     * A reload that keeps the cache's options keeps its store and counters: they are reported once,
     * not once for the retired instance and again for the new one. The replaced forwarder's
     * counters are carried over; gauges show what is cached now.
     */
    @Test
    void aReloadNeitherResetsNorDoublesTheSeries(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir)
            throws Exception {
        int dns = FreePorts.udpAndTcp();
        int http = FreePorts.udpAndTcp();
        try (FakeUpstream upstream = FakeUpstream.start()) {
            String corefile = corefile(dns, http, upstream);
            java.nio.file.Path file = dir.resolve("Corefile");
            java.nio.file.Files.writeString(file, corefile);
            try (TestServer server = TestServer.fromFile(file); DnsClient client = new DnsClient(dns)) {
                client.udp(DnsClient.query("one.example.org", Type.A));
                client.udp(DnsClient.query("two.example.org", Type.A));
                client.udp(DnsClient.query("two.example.org", Type.A));
                MetricValues.scrape(http); // the scrape that sees the first instance, so the reload retires it
                java.nio.file.Files.writeString(file, corefile.replace("    cache\n", "    cache\n    errors\n"));
                assertTrue(server.server().reload(), "same cache options, another chain");
                String body = MetricValues.scrape(http);
                String to = "to=\"" + upstream.hostPort() + "\"";
                assertEquals(3.0, MetricValues.valueIn(body, "coredns_cache_requests_total", "zones=\".\""), body);
                assertEquals(1.0, MetricValues.valueIn(body, "coredns_cache_hits_total", "type=\"success\""));
                assertEquals(2.0, MetricValues.valueIn(body, "coredns_cache_entries", "type=\"success\""));
                assertEquals(2.0, MetricValues.valueIn(body, "coredns_proxy_request_duration_seconds_count", to,
                        "rcode=\"NOERROR\""));
                client.udp(DnsClient.query("three.example.org", Type.A));
                String after = MetricValues.scrape(http);
                assertEquals(4.0, MetricValues.valueIn(after, "coredns_cache_requests_total", "zones=\".\""), after);
                assertEquals(3.0, MetricValues.valueIn(after, "coredns_proxy_request_duration_seconds_count", to,
                        "rcode=\"NOERROR\""));
            }
        }
    }
}
