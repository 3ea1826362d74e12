package io.nodedns.plugin.autopath;

import io.nodedns.server.ServerCounter;

/** {@code coredns_autopath_success_total{server}}: queries answered from a search (CoreDNS's metrics.go). */
final class AutopathMetrics extends ServerCounter {
    static final String KEY = "autopath.metrics";

    AutopathMetrics() {
        super("coredns_autopath_success", "Counter of requests that did autopath.");
    }
}
