package io.nodedns.plugin.prometheus;

import io.nodedns.config.ConfigException;
import io.nodedns.config.Dispenser;
import io.nodedns.plugin.health.HttpAddress;
import io.nodedns.server.HttpRoute;
import io.nodedns.server.PluginSetup;
import io.nodedns.server.SetupContext;
import io.nodedns.server.Shared;

/**
 * {@code prometheus [ADDR] [{ runtime_metrics }]} (CoreDNS plugin/metrics): CoreDNS's metrics on
 * {@code http://ADDR/metrics}, ADDR defaulting to {@code localhost:9153}. Once per block; blocks
 * naming the same address share one listener. {@code tls} is not supported yet.
 */
public final class PrometheusSetup implements PluginSetup {
    public static final String DEFAULT_ADDRESS = "localhost:9153";
    static final String STATE_KEY = "prometheus.metrics";

    /** The process-wide metrics, created on first use; other plugins register their families here. */
    public static DnsMetrics metrics(SetupContext ctx) {
        return metrics(ctx.shared());
    }

    /** The same, for process-level users without a server block (node-cache flags). */
    public static DnsMetrics metrics(Shared shared) {
        return shared.state(STATE_KEY, k -> {
            DnsMetrics m = new DnsMetrics(shared);
            m.registry().register(new MetricSources(shared));
            shared.observer(new DroppedObserver(m));
            return m;
        });
    }

    /** {@code /metrics} on an address outside any Corefile (node-cache's -metrics-listen-address). */
    public static HttpRoute processRoute(Shared shared, String address) {
        return new HttpRoute(address, "/metrics", new MetricsEndpoint(metrics(shared)));
    }

    @Override
    public void setup(SetupContext ctx) throws ConfigException {
        Dispenser d = ctx.once().dispenser();
        d.next();
        String address = HttpAddress.optional(d, DEFAULT_ADDRESS);
        while (d.nextBlock()) {
            switch (d.val()) {
                case "runtime_metrics" -> {
                    d.requireNoMoreArgs();
                }
                case "tls" -> throw d.pluginErr("tls is not supported yet by nodedns");
                default -> throw d.pluginErr("unknown property '" + d.val() + "'");
            }
        }
        DnsMetrics metrics = metrics(ctx);
        ctx.addHandler(new MetricsHandler(metrics));
        ctx.addHttpRoute(new HttpRoute(address, "/metrics", new MetricsEndpoint(metrics)));
        ctx.addLifecycle(new PluginEnabledReporter(metrics, ctx));
    }
}
