package io.nodedns.plugin.prometheus;

import java.util.List;

/** One exported series: metric name, kind and label pairs (name1, value1, name2, value2...). */
record Series(String name, Kind kind, List<String> labels) {
    enum Kind { COUNTER, GAUGE, HISTOGRAM }

    static Series counter(String name, String... labels) {
        return new Series(name, Kind.COUNTER, List.of(labels));
    }

    static Series gauge(String name, String... labels) {
        return new Series(name, Kind.GAUGE, List.of(labels));
    }

    static Series histogram(String name, String... labels) {
        return new Series(name, Kind.HISTOGRAM, List.of(labels));
    }

    io.prometheus.metrics.model.snapshots.Labels prometheusLabels() {
        return io.prometheus.metrics.model.snapshots.Labels.of(labels.toArray(new String[0]));
    }
}
