package io.nodedns.plugin.prometheus;

import io.nodedns.config.ConfigException;
import io.nodedns.config.Dispenser;
import io.nodedns.plugin.health.HttpAddress;
import io.nodedns.server.HttpRoute;
import io.nodedns.server.PluginSetup;
import io.nodedns.server.SetupContext;

/**
 * {@code prometheus [ADDR] [{ runtime_metrics }]} (spec 6.5): CoreDNS's metrics on
 * {@code http://ADDR/metrics}, ADDR defaulting to {@code localhost:9153}. Once per block; blocks
 * naming the same address share one listener. {@code tls} is not supported yet.
 */
public final class PrometheusSetup implements PluginSetup {
    public static final String DEFAULT_ADDRESS = "localhost:9153";
    static final String STATE_KEY = "prometheus.metrics";

    /** The process-wide metrics, created on first use; other plugins register their families here. */
    public static DnsMetrics metrics(SetupContext ctx) {
        return ctx.shared().state(STATE_KEY, k -> {
            DnsMetrics m = new DnsMetrics(ctx.shared());
            m.registry().register(new MetricSources(ctx.shared()));
            ctx.shared().observer(new DroppedObserver(m));
            return m;
        });
    }

    @Override
    public void setup(SetupContext ctx) throws ConfigException {
        Dispenser d = ctx.once().dispenser();
        d.next();
        String address = HttpAddress.optional(d, DEFAULT_ADDRESS);
        while (d.nextBlock()) {
            switch (d.val()) {
                case "runtime_metrics" -> {
                    if (d.nextArg()) {
                        throw d.argErr();
                    }
                }
                case "tls" -> throw d.err("plugin/prometheus: tls is not supported yet by nodedns");
                default -> throw d.err("plugin/prometheus: unknown property '" + d.val() + "'");
            }
        }
        DnsMetrics metrics = metrics(ctx);
        ctx.addHandler(new MetricsHandler(metrics));
        ctx.addHttpRoute(new HttpRoute(address, "/metrics", new MetricsEndpoint(metrics.registry())));
        ctx.addLifecycle(new PluginEnabledReporter(metrics, ctx));
    }
}
