package io.nodedns.plugin.prometheus;

import io.nodedns.config.ServerKey;
import io.nodedns.server.Lifecycle;
import io.nodedns.server.SetupContext;

/** Sets {@code coredns_plugin_enabled} for each plugin of the block on each of its zones once serving. */
record PluginEnabledReporter(DnsMetrics metrics, SetupContext ctx) implements Lifecycle {
    @Override
    public void start() {
        for (ServerKey key : ctx.keys()) {
            for (String hostLabel : ctx.listenLabels(key.port())) {
                for (String plugin : ctx.block().directiveNames()) {
                    metrics.pluginEnabled.labelValues(hostLabel, key.zone(), "", plugin).set(1);
                }
            }
        }
    }
}
