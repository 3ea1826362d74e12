package io.nodedns.plugin.prometheus;

import java.util.List;

/** One exported series: metric name, kind, help text and label pairs (name1, value1, name2, value2...). */
record Series(String name, Kind kind, String help, List<String> labels) {
    enum Kind {
        COUNTER, GAUGE, HISTOGRAM
    }

    static Series of(Kind kind, String name, String help, String... labels) {
        return new Series(name, kind, help, List.of(labels));
    }

    io.prometheus.metrics.model.snapshots.Labels prometheusLabels() {
        return io.prometheus.metrics.model.snapshots.Labels.of(labels.toArray(new String[0]));
    }
}
