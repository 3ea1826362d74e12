package io.nodedns.plugin.hosts;

import io.nodedns.server.MetricSource;

/**
 * CoreDNS's hosts gauges (plugin/hosts/metrics.go): entries per file, and one reload timestamp
 * (across blocks the latest file read wins, as the sink keeps a gauge's largest value).
 */
record HostsMetrics(HostsSource hosts) implements MetricSource {
    @Override
    public void collect(Sink out, String server) {
        out.gauge("coredns_hosts_entries", "The combined number of entries in hosts and Corefile.", hosts.entries(),
                "hostsfile", hosts.config().file().toString());
        out.gauge("coredns_hosts_reload_timestamp_seconds", "The timestamp of the last reload of hosts file.",
                hosts.reloadTimestampSeconds());
    }
}
