package io.nodedns.plugin.trace;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonObject;
import io.nodedns.testing.DnsClient;
import io.nodedns.testing.EscapedLabel;
import io.nodedns.testing.FreePorts;
import io.nodedns.testing.MetricValues;
import io.nodedns.testing.TestServer;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.xbill.DNS.Message;
import org.xbill.DNS.Rcode;
import org.xbill.DNS.Type;

/** trace over real sockets: spans POSTed to a stand-in Zipkin collector, sampling, a slow or dead collector. */
class TraceTest {
    private static String corefile(int port, int metrics, String trace) {
        return """
                .:%d {
                    prometheus 127.0.0.1:%d
                    %s
                    hosts {
                        192.0.2.1 example.org
                    }
                }
                """.formatted(port, metrics, trace);
    }

    private static String tag(JsonObject span, String key) {
        return span.getAsJsonObject("tags").get(key).getAsString();
    }

    @Test
    void spansCarryCoreDnsTags() throws Exception {
        int port = FreePorts.udpAndTcp();
        int metrics = FreePorts.udpAndTcp();
        try (ZipkinCollector collector = new ZipkinCollector();
                TestServer server = TestServer.fromText(corefile(port, metrics,
                        "trace " + collector.hostPort() + " {\n zipkin_max_batch_interval 50ms\n }")
                        .replace("example.org\n", "example.org\n fallthrough\n"));
                DnsClient client = new DnsClient(port)) {
            long before = ZipkinReporter.nowMicros();
            assertEquals(Rcode.NOERROR, client.udp(DnsClient.query("Example.ORG", Type.A)).getRcode());
            assertEquals(Rcode.SERVFAIL, client.tcp(DnsClient.query("missing.example.org", Type.AAAA)).getRcode());
            client.udp(DnsClient.query(EscapedLabel.DIG + ".example.org", Type.A));
            Map<String, JsonObject> byName = collector.await(3, Duration.ofSeconds(10)).stream()
                    .collect(Collectors.toMap(s -> tag(s, "coredns.io/name"), Function.identity()));
            JsonObject a = byName.get("example.org.");
            assertEquals("servedns", a.get("name").getAsString());
            assertEquals("SERVER", a.get("kind").getAsString());
            assertEquals(16, a.get("traceId").getAsString().length());
            assertEquals(a.get("traceId").getAsString(), a.get("id").getAsString(), "a root span");
            assertEquals("coredns", a.getAsJsonObject("localEndpoint").get("serviceName").getAsString());
            assertEquals("A", tag(a, "coredns.io/type"));
            assertEquals("NOERROR", tag(a, "coredns.io/rcode"));
            assertEquals("udp", tag(a, "coredns.io/proto"));
            assertEquals("127.0.0.1", tag(a, "coredns.io/remote"));
            long ts = a.get("timestamp").getAsLong();
            assertTrue(ts >= before && ts <= ZipkinReporter.nowMicros(), "epoch microseconds: " + ts);
            assertTrue(a.get("duration").getAsLong() >= 1);
            // the name tag is CoreDNS's request.Name(): miekg/dns's escapes, lower case (EscapedLabel)
            assertTrue(byName.containsKey(EscapedLabel.COREDNS_LOWER + ".example.org."), byName.keySet().toString());
            JsonObject nx = byName.get("missing.example.org.");
            assertEquals("AAAA", tag(nx, "coredns.io/type"));
            assertEquals("SERVFAIL", tag(nx, "coredns.io/rcode"), "the end of the chain (hosts falls through)");
            assertTrue(tag(nx, "error").contains("no next plugin"), nx.toString());
            assertEquals("tcp", tag(nx, "coredns.io/proto"));
            assertTrue(collector.contentTypes.stream().allMatch("application/json"::equals),
                    collector.contentTypes.toString());
            String scrape = MetricValues.scrape(metrics);
            assertEquals(3, counter(scrape, "nodedns_trace_spans_total{"), scrape);
            assertEquals(3, counter(scrape, "nodedns_trace_spans_sent_total{"), scrape);
        }
    }

    @Test
    void everyTwoSendsHalfUnderItsServiceName() throws Exception {
        int port = FreePorts.udpAndTcp();
        int metrics = FreePorts.udpAndTcp();
        try (ZipkinCollector collector = new ZipkinCollector();
                TestServer server = TestServer.fromText(corefile(port, metrics, "trace zipkin http://"
                        + collector.hostPort()
                        + "/api/v2/spans {\n every 2\n service dnsproxy\n zipkin_max_batch_size 3\n zipkin_max_batch_interval 100ms\n }"));
                DnsClient client = new DnsClient(port)) {
            for (int i = 0; i < 20; i++) {
                assertEquals(Rcode.NOERROR, client.udp(DnsClient.query("example.org", Type.A)).getRcode());
            }
            List<JsonObject> spans = collector.await(10, Duration.ofSeconds(10));
            Thread.sleep(400); // four batch intervals: a span too many would have arrived
            assertEquals(0, collector.pending(), "every 2 traces 10 of 20 queries");
            assertTrue(spans.stream().allMatch(
                    s -> s.getAsJsonObject("localEndpoint").get("serviceName").getAsString().equals("dnsproxy")));
            assertEquals(10, spans.stream().map(s -> s.get("traceId").getAsString()).distinct().count(),
                    "one trace per query");
        }
    }

    /**
     * A collector that accepts connections and never answers holds each POST for the 5 s request
     * timeout: DNS answers at its usual speed while the backlog (5 spans) overflows and the drops are counted.
     */
    @Test
    void hungCollectorNeitherSlowsDnsNorGrowsTheBacklog() throws Exception {
        int port = FreePorts.udpAndTcp();
        int metrics = FreePorts.udpAndTcp();
        try (ServerSocket hung = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
                TestServer server = TestServer.fromText(corefile(port, metrics, "trace 127.0.0.1:" + hung.getLocalPort()
                        + " {\n zipkin_max_backlog_size 5\n zipkin_max_batch_size 2\n zipkin_max_batch_interval 10ms\n }"));
                DnsClient client = new DnsClient(port)) {
            long slowest = 0;
            for (int i = 0; i < 300; i++) {
                long t0 = System.nanoTime();
                assertEquals(Rcode.NOERROR, client.udp(DnsClient.query("example.org", Type.A)).getRcode());
                slowest = Math.max(slowest, System.nanoTime() - t0);
            }
            String scrape = MetricValues.scrape(metrics);
            assertEquals(300, counter(scrape, "nodedns_trace_spans_total{"), scrape);
            long dropped = counter(scrape, "nodedns_trace_spans_dropped_total{", "reason=\"backlog\"");
            // at most one batch in the hung POST and 5 in the backlog were kept (a few more batches if the first POSTs were quick)
            assertTrue(dropped >= 280, "backlog drops " + dropped + "\n" + scrape);
            assertTrue(slowest < Duration.ofSeconds(1).toNanos(),
                    "slowest query " + slowest / 1_000_000 + " ms, a POST hangs 5 s");
            System.out.printf(
                    "trace, hung collector: 300 queries, slowest %.2f ms, %d spans dropped from the backlog%n",
                    slowest / 1e6, dropped);
        }
    }

    @Test
    void refusedPostsAreCountedAsDropped() throws Exception {
        int port = FreePorts.udpAndTcp();
        int metrics = FreePorts.udpAndTcp();
        int closed = FreePorts.udpAndTcp(); // nothing listens there
        try (TestServer server = TestServer.fromText(corefile(port, metrics, "trace 127.0.0.1:" + closed
                + " {\n zipkin_max_batch_interval 10ms\n }"));
                DnsClient client = new DnsClient(port)) {
            for (int i = 0; i < 10; i++) {
                assertEquals(Rcode.NOERROR, client.udp(DnsClient.query("example.org", Type.A)).getRcode());
            }
            long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
            long dropped;
            do {
                Thread.sleep(50);
                dropped = counter(MetricValues.scrape(metrics), "nodedns_trace_spans_dropped_total{",
                        "reason=\"send\"");
            } while (dropped < 10 && System.nanoTime() < deadline);
            assertEquals(10, dropped, "every span of a refused POST is counted");
        }
    }

    /** A CNAME target the server asks itself is part of its client's span, as in CoreDNS (one span, not two). */
    @Test
    void selfLookupRunsInsideItsClientsSpan() throws Exception {
        int port = FreePorts.udpAndTcp();
        try (ZipkinCollector collector = new ZipkinCollector();
                TestServer server = TestServer.fromText("""
                        .:%d {
                            trace %s {
                                zipkin_max_batch_interval 10ms
                            }
                            template IN A alias.test {
                                answer "{{ .Name }} 60 IN CNAME target.example.org."
                            }
                            hosts {
                                192.0.2.7 target.example.org
                            }
                        }
                        """.formatted(port, collector.hostPort()));
                DnsClient client = new DnsClient(port)) {
            Message m = client.udp(DnsClient.query("www.alias.test", Type.A));
            assertEquals(2, m.getSection(org.xbill.DNS.Section.ANSWER).size(), "CNAME and A: " + m);
            JsonObject span = collector.await(1, Duration.ofSeconds(10)).getFirst();
            assertEquals("www.alias.test.", tag(span, "coredns.io/name"));
            Thread.sleep(300);
            assertEquals(0, collector.pending(), "no span for the server's own query of the target");
        }
    }

    @Test
    void untracedBlockIsUnaffected() throws Exception {
        int port = FreePorts.udpAndTcp();
        try (ZipkinCollector collector = new ZipkinCollector();
                TestServer server = TestServer.fromText("""
                        example.org:%d {
                            trace %s {
                                every 0
                                zipkin_max_batch_interval 10ms
                            }
                            hosts {
                                192.0.2.1 example.org
                            }
                        }
                        """.formatted(port, collector.hostPort()));
                DnsClient client = new DnsClient(port)) {
            Message m = client.udp(DnsClient.query("example.org", Type.A));
            assertEquals(Rcode.NOERROR, m.getRcode());
            Thread.sleep(200);
            assertEquals(0, collector.pending(), "every 0 traces nothing, as CoreDNS");
        }
    }

    private static long counter(String scrape, String prefix, String... labels) {
        for (String line : scrape.split("\n")) {
            boolean all = line.startsWith(prefix);
            for (String l : labels) {
                all &= line.contains(l);
            }
            if (all) {
                return (long) Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
            }
        }
        return -1;
    }
}
