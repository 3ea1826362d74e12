package io.nodedns.plugin.prometheus;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.nodedns.testing.DnsClient;
import io.nodedns.testing.FakeUpstream;
import io.nodedns.testing.FreePorts;
import io.nodedns.testing.TestServer;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import org.junit.jupiter.api.Test;
import org.xbill.DNS.Type;

/** forward's proxy_* / forward_* and cache's cache_* series, and their survival across a reload. */
class ForwardCacheMetricsTest {
    private static String scrape(int port) throws Exception {
        return HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/metrics")).build(),
                HttpResponse.BodyHandlers.ofString()).body();
    }

    @Test
    void forwardAndCacheSeries() throws Exception {
        int dns = FreePorts.udpAndTcp();
        int http = FreePorts.udpAndTcp();
        try (FakeUpstream upstream = FakeUpstream.start()) {
            String corefile = """
                    .:%d {
                        prometheus 127.0.0.1:%d
                        cache
                        forward . %s
                    }
                    """.formatted(dns, http, upstream.hostPort());
            try (TestServer server = TestServer.fromText(corefile); DnsClient client = new DnsClient(dns)) {
                for (int i = 0; i < 3; i++) {
                    client.udp(DnsClient.query("same.example.org", Type.A));
                }
                client.udp(DnsClient.query("other.example.org", Type.A));
                String body = scrape(http);
                String to = "to=\"" + upstream.hostPort() + "\"";
                assertEquals(2.0, PrometheusTest.value(body, "coredns_proxy_request_duration_seconds_count", to, "rcode=\"NOERROR\"",
                        "proxy_name=\"forward\""), body);
                assertEquals(2.0, PrometheusTest.value(body, "coredns_proxy_request_duration_seconds_bucket", to, "le=\"+Inf\""));
                assertEquals(0.0, PrometheusTest.value(body, "coredns_proxy_healthcheck_failures_total", to));
                assertTrue(body.contains("coredns_forward_healthcheck_broken_total 0"), body);
                assertEquals(4.0, PrometheusTest.value(body, "coredns_cache_requests_total", "server=\"dns://:" + dns + "\"", "zones=\".\""));
                assertEquals(2.0, PrometheusTest.value(body, "coredns_cache_hits_total", "type=\"success\""));
                assertEquals(2.0, PrometheusTest.value(body, "coredns_cache_entries", "type=\"success\""));

                // Counters keep counting between scrapes.
                client.udp(DnsClient.query("same.example.org", Type.A));
                String after = scrape(http);
                assertEquals(3.0, PrometheusTest.value(after, "coredns_cache_hits_total", "type=\"success\""));
            }
        }
    }
}
