package io.nodedns.plugin.trace;

import io.nodedns.config.ConfigException;
import io.nodedns.config.Dispenser;
import io.nodedns.server.PluginSetup;
import io.nodedns.server.SetupContext;
import java.net.InetAddress;
import java.net.URI;
import java.net.URISyntaxException;
import java.time.Duration;
import java.util.List;
import java.util.Locale;

/**
 * {@code trace [ENDPOINT-TYPE] [ENDPOINT] { every AMOUNT; service NAME; zipkin_max_backlog_size SIZE;
 * zipkin_max_batch_size SIZE; zipkin_max_batch_interval DURATION }} (CoreDNS plugin/trace), zipkin
 * only. {@code datadog}, {@code datadog_analytics_rate} and {@code client_server} are errors:
 * docs/plugins/trace.md says why. Once per block.
 */
public final class TraceSetup implements PluginSetup {
    @Override
    public void setup(SetupContext ctx) throws ConfigException {
        List<String> hosts = ctx.boundHosts();
        String host = hosts.isEmpty() || !isIp(hosts.getFirst()) ? null : hosts.getFirst();
        TraceConfig config = parse(ctx.once().dispenser(), host, ctx.keys().getFirst().port());
        TraceMetrics metrics = new TraceMetrics();
        ZipkinReporter reporter = new ZipkinReporter(config, metrics);
        ctx.addMetrics(metrics);
        ctx.addLifecycle(reporter);
        ctx.addHandler(new TraceHandler(reporter));
    }

    static TraceConfig parse(Dispenser d, String localHost, int localPort) throws ConfigException {
        d.next();
        List<String> args = d.remainingArgs();
        String type = "zipkin";
        String endpoint = TraceConfig.DEFAULT_ENDPOINT;
        switch (args.size()) {
            case 0 -> {
            }
            case 1 -> endpoint = args.getFirst();
            case 2 -> {
                type = args.get(0).toLowerCase(Locale.ROOT);
                endpoint = args.get(1);
            }
            default -> throw d.argErr();
        }
        if (type.equals("datadog")) {
            throw d.pluginErr(
                    "endpoint type 'datadog' is not supported: nodedns does not speak the Datadog agent protocol; use zipkin");
        }
        if (!type.equals("zipkin")) {
            throw d.pluginErr("tracing endpoint type '" + type + "' is not supported");
        }
        URI uri = endpointUri(d, endpoint);
        long every = 1;
        String service = TraceConfig.DEFAULT_SERVICE;
        int backlog = TraceConfig.DEFAULT_BACKLOG;
        int batch = TraceConfig.DEFAULT_BATCH;
        Duration interval = TraceConfig.DEFAULT_INTERVAL;
        while (d.nextBlock()) {
            switch (d.val()) {
                case "every" -> {
                    String v = d.requireArg();
                    d.requireNoMoreArgs();
                    every = unsigned(d, v);
                }
                case "service" -> {
                    service = d.requireArg();
                    d.requireNoMoreArgs();
                }
                case "zipkin_max_backlog_size" -> {
                    backlog = d.intArg(1, 1_000_000);
                    d.requireNoMoreArgs();
                }
                case "zipkin_max_batch_size" -> {
                    batch = d.intArg(1, 1_000_000);
                    d.requireNoMoreArgs();
                }
                case "zipkin_max_batch_interval" -> {
                    interval = d.durationArg();
                    d.requireNoMoreArgs();
                    if (interval.isNegative() || interval.isZero()) {
                        throw d.pluginErr("zipkin_max_batch_interval must be positive");
                    }
                }
                case "client_server" -> throw d.pluginErr("client_server is not supported: it shares the span of a"
                        + " client's trace context, which nodedns does not read from requests");
                case "datadog_analytics_rate" -> throw d.pluginErr("datadog_analytics_rate applies to endpoint type"
                        + " 'datadog', which nodedns does not support");
                default -> throw d.unknownProperty();
            }
        }
        return new TraceConfig(uri, every, service, localHost, localPort, backlog, batch, interval);
    }

    /** CoreDNS: an ENDPOINT without "http" is a host:port, posted to /api/v2/spans. */
    private static URI endpointUri(Dispenser d, String endpoint) throws ConfigException {
        String url = endpoint.contains("http") ? endpoint : "http://" + endpoint + "/api/v2/spans";
        try {
            URI uri = new URI(url);
            if (uri.getHost() == null || !(uri.getScheme().equals("http") || uri.getScheme().equals("https"))) {
                throw d.pluginErr("endpoint '" + endpoint + "' is not an http(s) URL or host:port");
            }
            return uri;
        } catch (URISyntaxException e) {
            throw d.pluginErr("endpoint '" + endpoint + "': " + e.getMessage());
        }
    }

    private static long unsigned(Dispenser d, String v) throws ConfigException {
        try {
            long n = Long.parseLong(v);
            if (n >= 0) {
                return n;
            }
        } catch (NumberFormatException e) {
            // falls through to the error
        }
        throw d.pluginErr("every expects a number 0 or more, got '" + v + "'");
    }

    private static boolean isIp(String host) {
        try {
            InetAddress.ofLiteral(host);
            return true;
        } catch (IllegalArgumentException e) {
            return false;
        }
    }
}
