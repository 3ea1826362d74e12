package io.nodedns.plugin.template;

import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;

/**
 * CoreDNS's template counters (coredns_template_matches_total, template_failures_total,
 * rr_failures_total), keyed by their labels; the prometheus plugin adds the server label and
 * exports them at scrape time. Counting a match builds its label key (a few small objects): only
 * queries a template answers pay for it.
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

    void matched(String zone, String qclass, String qtype) {
        count(MATCHES, List.of("zone", zone, "view", "", "class", qclass, "type", qtype));
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
