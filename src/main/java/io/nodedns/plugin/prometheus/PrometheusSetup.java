package io.nodedns.plugin.prometheus;

import io.nodedns.config.ConfigException;
import io.nodedns.config.Dispenser;
import io.nodedns.server.HttpAddress;
import io.nodedns.server.HttpRoute;
import io.nodedns.server.Lifecycle;
import io.nodedns.server.PluginSetup;
import io.nodedns.server.SetupContext;
import io.nodedns.server.Shared;

/**
 * {@code prometheus [ADDR] [{ runtime_metrics }]} (CoreDNS plugin/metrics): CoreDNS's metrics on
 * {@code http://ADDR/metrics}, ADDR defaulting to {@code localhost:9153}; {@code runtime_metrics}
 * adds the finer JVM series (see {@link DnsMetrics#scrape()}). Once per block; blocks
 * naming the same address share one listener. {@code tls} is not supported yet.
 */
public final class PrometheusSetup implements PluginSetup {
    public static final String DEFAULT_ADDRESS = "localhost:9153";
    static final String STATE_KEY = "prometheus.metrics";
    private static final String RUNTIME_KEY = "prometheus.runtime_metrics";

    /** The process-wide metrics, created on first use (a block with prometheus, or node-cache's flags). */
    static DnsMetrics metrics(Shared shared) {
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
        PrometheusConfig config = parse(ctx.once().dispenser());
        // any block of a load asking for runtime_metrics turns them on for the shared endpoint
        boolean[] runtime = (boolean[]) ctx.buildState().computeIfAbsent(RUNTIME_KEY, k -> new boolean[1]);
        runtime[0] |= config.runtimeMetrics();
        DnsMetrics metrics = metrics(ctx.shared());
        ctx.addHandler(new PrometheusHandler(metrics));
        ctx.addLifecycle(new Lifecycle() {
            @Override
            public void start() {
                metrics.runtimeMetrics(runtime[0]);
            }
        });
        ctx.addHttpRoute(new HttpRoute(config.address(), "/metrics", new MetricsEndpoint(metrics)));
        ctx.addLifecycle(new PluginEnabledReporter(metrics, ctx));
    }

    /** Parses the occurrence (the dispenser stands before the name). */
    static PrometheusConfig parse(Dispenser d) throws ConfigException {
        d.next();
        String address = HttpAddress.optional(d, DEFAULT_ADDRESS);
        boolean runtimeMetrics = false;
        while (d.nextBlock()) {
            switch (d.val()) {
                case "runtime_metrics" -> runtimeMetrics = d.flag();
                case "tls" -> throw d.pluginErr("tls is not supported yet by nodedns");
                default -> throw d.unknownProperty();
            }
        }
        return new PrometheusConfig(address, runtimeMetrics);
    }
}
