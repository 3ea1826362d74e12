package io.nodedns.plugin.template;

import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;

/**
 * CoreDNS's template counters (plugin/template/metrics.go: coredns_template_matches_total,
 * template_failures_total, rr_failures_total), keyed by their labels and read at scrape time
 * under the block's server label. The handler keeps each template's last match counter, so repeated
 * matches of one zone, class and type (an rcode-only AAAA block) count without allocating.
 */
final class TemplateMetrics implements io.nodedns.server.MetricSource {
    static final String MATCHES = "coredns_template_matches";
    static final String TEMPLATE_FAILURES = "coredns_template_template_failures";
    static final String RR_FAILURES = "coredns_template_rr_failures";
    private static final Map<String, String> HELP = Map.of(MATCHES, "Counter of template regex matches.",
            TEMPLATE_FAILURES, "Counter of go template failures.", RR_FAILURES, "Counter of mis-templated RRs.");

    private record Key(String metric, List<String> labels) {
    }

    private final Map<Key, LongAdder> counts = new ConcurrentHashMap<>();

    /** The match counter of one template for a zone, class and type as the query had them (numbers kept to compare cheaply). */
    record MatchCounter(int zone, int qclass, int qtype, LongAdder adder) {
        boolean is(int z, int c, int t) {
            return zone == z && qclass == c && qtype == t;
        }
    }

    MatchCounter matchCounter(int zone, int qclass, int qtype, String zoneName, String classText, String typeText) {
        LongAdder adder = counts.computeIfAbsent(
                new Key(MATCHES, List.of("zone", zoneName, "view", "", "class", classText, "type", typeText)),
                k -> new LongAdder());
        return new MatchCounter(zone, qclass, qtype, adder);
    }

    void failed(String metric, GoTemplate.Data data, String section, String template) {
        count(metric, List.of("zone", data.zone(), "view", "", "class", data.qclass(), "type", data.qtype(),
                "section", section, "template", template));
    }

    private void count(String metric, List<String> labels) {
        counts.computeIfAbsent(new Key(metric, labels), k -> new LongAdder()).increment();
    }

    @Override
    public void collect(Sink out, String server) {
        counts.forEach((k, v) -> {
            String[] pairs = new String[k.labels().size() + 2];
            pairs[0] = "server";
            pairs[1] = server;
            for (int i = 0; i < k.labels().size(); i++) {
                pairs[i + 2] = k.labels().get(i);
            }
            out.counter(k.metric(), HELP.get(k.metric()), v.sum(), pairs);
        });
    }
}
