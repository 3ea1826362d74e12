package io.nodedns.plugin.template;

import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;

/**
 * CoreDNS's template counters (coredns_template_matches_total, template_failures_total,
 * rr_failures_total), keyed by their labels; the prometheus plugin adds the server label and
 * exports them at scrape time. The handler keeps each template's last match counter, so repeated
 * matches of one zone, class and type (an rcode-only AAAA block) count without allocating.
 */
public final class TemplateMetrics {
    public static final String MATCHES = "coredns_template_matches";
    public static final String TEMPLATE_FAILURES = "coredns_template_template_failures";
    public static final String RR_FAILURES = "coredns_template_rr_failures";

    /** One series: the metric name, its label pairs after "server" (name, value, ...) and its count. */
    @FunctionalInterface
    public interface Visitor {
        void series(String metric, List<String> labels, long count);
    }

    private record Key(String metric, List<String> labels) {}

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

    void forEach(Visitor visitor) {
        counts.forEach((k, v) -> visitor.series(k.metric(), k.labels(), v.sum()));
    }
}
