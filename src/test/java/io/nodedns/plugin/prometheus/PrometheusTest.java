package io.nodedns.plugin.prometheus;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.nodedns.testing.DnsClient;
import io.nodedns.testing.FreePorts;
import io.nodedns.testing.MetricValues;
import io.nodedns.testing.SetupErrors;
import io.nodedns.testing.TestServer;
import org.junit.jupiter.api.Test;
import org.xbill.DNS.Type;

class PrometheusTest {
    @Test
    void coreDnsSeriesAreCountedPerZoneTypeRcodeAndPlugin() throws Exception {
        int dns = FreePorts.udpAndTcp();
        int http = FreePorts.udpAndTcp();
        String corefile = """
                example.org:%1$d sub.example.org:%1$d {
                    prometheus 127.0.0.1:%2$d
                    whoami
                }
                """.formatted(dns, http);
        try (TestServer server = TestServer.fromText(corefile); DnsClient client = new DnsClient(dns)) {
            client.udp(DnsClient.query("a.example.org", Type.A));
            client.udp(DnsClient.query("b.example.org", Type.A));
            client.udp(DnsClient.withEdns(DnsClient.query("x.sub.example.org", Type.MX), 1232, true));
            client.tcp(DnsClient.query("c.example.org", 65534));
            client.udp(DnsClient.query("outside.example.net", Type.A));
            String body = MetricValues.scrape(http);
            String serverLabel = "server=\"dns://:" + dns + "\"";
            assertEquals(2.0,
                    MetricValues.valueIn(body, "coredns_dns_requests_total", serverLabel, "zone=\"example.org.\"",
                            "type=\"A\"", "proto=\"udp\"", "family=\"1\""),
                    body);
            assertEquals(1.0, MetricValues.valueIn(body, "coredns_dns_requests_total", "zone=\"sub.example.org.\"",
                    "type=\"MX\""));
            assertEquals(1.0,
                    MetricValues.valueIn(body, "coredns_dns_requests_total", "zone=\"example.org.\"", "type=\"other\"",
                            "proto=\"tcp\""));
            assertEquals(1.0, MetricValues.valueIn(body, "coredns_dns_do_requests_total", "zone=\"sub.example.org.\""));
            assertEquals(3.0,
                    MetricValues.valueIn(body, "coredns_dns_responses_total", "zone=\"example.org.\"",
                            "rcode=\"NOERROR\"",
                            "plugin=\"whoami\""));
            assertEquals(1.0, MetricValues.valueIn(body, "coredns_dns_requests_total", "zone=\"dropped\""));
            assertEquals(1.0,
                    MetricValues.valueIn(body, "coredns_dns_responses_total", "zone=\"dropped\"", "rcode=\"REFUSED\"",
                            "plugin=\"\""));
            assertEquals(3.0,
                    MetricValues.valueIn(body, "coredns_dns_request_duration_seconds_count", "zone=\"example.org.\""),
                    body);
            assertTrue(body.contains("le=\"0.00025\"") || body.contains("le=\"2.5E-4\""), "CoreDNS duration buckets");
            assertTrue(body.contains("le=\"8291.0\""), "CoreDNS size buckets");
            assertEquals(2.0,
                    MetricValues.valueIn(body, "coredns_dns_request_size_bytes_bucket", "zone=\"example.org.\"",
                            "proto=\"udp\"", "le=\"100.0\""));
            assertEquals(1.0,
                    MetricValues.valueIn(body, "coredns_plugin_enabled", "name=\"whoami\"", "zone=\"example.org.\""));
            assertEquals(1.0, MetricValues.valueIn(body, "coredns_build_info"));
            assertTrue(body.contains("coredns_reload_failed_total"));
            assertEquals(1.0, MetricValues.valueIn(body, "coredns_reload_version_info", "hash=\"sha512\""), body);
            assertEquals(1.0,
                    MetricValues.valueIn(body, "coredns_dns_request_duration_seconds_count", "zone=\"dropped\""));
            assertTrue(body.contains("jvm_memory_used_bytes"), "runtime metrics exported");
        }
    }

    /** The option errors, each at its line, are PrometheusSetupTest's. */
    @Test
    void oncePerBlock() {
        SetupErrors.assertFails(".:53 {\n prometheus\n prometheus\n}\n", 3, "only be used once");
    }

    /** The jvm_* families (JMX) are registered by the first scrape, not at start-up. */
    @Test
    void runtimeMetricsRegisteredOnFirstScrape() {
        DnsMetrics m = new DnsMetrics(new io.nodedns.server.Shared());
        assertTrue(m.registry().scrape().stream().noneMatch(s -> s.getMetadata().getName().startsWith("jvm")),
                "no jvm_* family before a scrape");
        assertTrue(m.scrape().stream().anyMatch(s -> s.getMetadata().getName().startsWith("jvm_memory")),
                "jvm_* families on the first scrape");
        assertEquals(m.scrape().size(), m.scrape().size(), "registered once");
    }

    /**
     * Without runtime_metrics: the JVM counterpart of the Go client's default collectors (memory,
     * threads, GC, process, runtime version); with it also the finer JVM families; a later start
     * without it (a reload) takes them away again.
     */
    @Test
    void runtimeMetricsAddsTheFinerJvmFamilies() {
        DnsMetrics m = new DnsMetrics(new io.nodedns.server.Shared());
        java.util.Set<String> basic = names(m.scrape());
        for (String always : new String[]{"jvm_memory_used_bytes", "jvm_threads_current", "jvm_gc_collection_seconds",
                "process_cpu_seconds", "jvm_runtime"}) {
            assertTrue(basic.contains(always), always + " in " + basic);
        }
        assertTrue(basic.stream().noneMatch(n -> n.startsWith("jvm_classes") || n.startsWith("jvm_buffer_pool")
                || n.startsWith("jvm_compilation")), basic.toString());
        m.runtimeMetrics(true);
        java.util.Set<String> detailed = names(m.scrape());
        assertTrue(detailed.containsAll(basic), "adds, removes nothing");
        for (String added : new String[]{"jvm_classes_currently_loaded", "jvm_buffer_pool_used_bytes",
                "jvm_compilation_time_seconds", "jvm_memory_pool_allocated_bytes"}) {
            assertTrue(detailed.contains(added), added + " in " + detailed);
        }
        m.runtimeMetrics(false);
        assertEquals(basic, names(m.scrape()));
    }

    @Test
    void runtimeMetricsInTheCorefileReachesTheEndpoint() throws Exception {
        int dns = FreePorts.udpAndTcp();
        int http = FreePorts.udpAndTcp();
        String corefile = """
                .:%1$d {
                    prometheus 127.0.0.1:%2$d {
                        runtime_metrics
                    }
                    whoami
                }
                """.formatted(dns, http);
        try (TestServer server = TestServer.fromText(corefile)) {
            assertTrue(MetricValues.scrape(http).contains("jvm_classes_currently_loaded"), "runtime_metrics on");
        }
    }

    private static java.util.Set<String> names(io.prometheus.metrics.model.snapshots.MetricSnapshots snapshots) {
        java.util.Set<String> names = new java.util.TreeSet<>();
        snapshots.forEach(s -> names.add(s.getMetadata().getPrometheusName()));
        return names;
    }
}
