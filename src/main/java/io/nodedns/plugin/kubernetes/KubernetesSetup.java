package io.nodedns.plugin.kubernetes;

import io.nodedns.config.ConfigException;
import io.nodedns.config.Directive;
import io.nodedns.config.Dispenser;
import io.nodedns.config.Fallthrough;
import io.nodedns.config.Token;
import io.nodedns.config.Zones;
import io.nodedns.k8s.DiscoveryBackend.Feature;
import io.nodedns.k8s.DiscoveryRegistry;
import io.nodedns.k8s.KubeClientConfig;
import io.nodedns.k8s.dns.DiscoveryHandler;
import io.nodedns.server.Lifecycle;
import io.nodedns.server.PluginSetup;
import io.nodedns.server.SetupContext;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * {@code kubernetes [ZONES...] { kubeconfig FILE [CONTEXT]; namespaces NS...; pods
 * disabled|insecure|verified; endpoint_pod_names; noendpoints; ttl N; fallthrough [ZONES...];
 * startup_timeout DURATION }}, once per block. Options of CoreDNS's plugin that nodedns does not
 * implement are rejected by name, so a Corefile never silently means something else.
 */
public final class KubernetesSetup implements PluginSetup {
    static final String NAME = "kubernetes";
    static final Set<String> UNSUPPORTED = Set.of("endpoint", "tls", "labels", "namespace_labels", "ignore",
            "apiserver_qps", "apiserver_burst", "apiserver_max_inflight", "multicluster", "zonal", "transfer");

    private final Map<String, String> env;

    public KubernetesSetup() {
        this(System.getenv());
    }

    /** With a chosen environment ($KUBECONFIG, KUBERNETES_SERVICE_HOST) for tests. */
    public KubernetesSetup(Map<String, String> env) {
        this.env = Map.copyOf(env);
    }

    @Override
    public void setup(SetupContext ctx) throws ConfigException {
        Directive directive = ctx.once();
        Dispenser d = directive.dispenser();
        d.next();
        Token at = d.token();
        List<String> zones = KubernetesSetup.zones(ctx, d);
        Path kubeconfig = null;
        String context = null;
        Set<String> namespaces = new LinkedHashSet<>();
        ClusterLocalResolver.Pods pods = ClusterLocalResolver.Pods.DISABLED;
        boolean podNames = false;
        boolean noEndpoints = false;
        long ttl = 5;
        Fallthrough fallthrough = Fallthrough.NEVER;
        Duration startup = Duration.ofSeconds(5);
        while (d.nextBlock()) {
            String option = d.val();
            switch (option) {
                case "kubeconfig" -> {
                    kubeconfig = Path.of(d.requireArg());
                    context = d.nextArg() ? d.val() : null;
                    d.requireNoMoreArgs();
                }
                case "namespaces" -> {
                    List<String> args = d.remainingArgs();
                    if (args.isEmpty()) {
                        throw d.argErr();
                    }
                    namespaces.addAll(args);
                }
                case "pods" -> {
                    String mode = d.requireArg();
                    pods = switch (mode) {
                        case "disabled" -> ClusterLocalResolver.Pods.DISABLED;
                        case "insecure" -> ClusterLocalResolver.Pods.INSECURE;
                        case "verified" -> ClusterLocalResolver.Pods.VERIFIED;
                        default -> throw d.pluginErr("pods: invalid value '" + mode
                                + "' (want disabled, insecure or verified)");
                    };
                    d.requireNoMoreArgs();
                }
                case "endpoint_pod_names" -> {
                    d.requireNoMoreArgs();
                    podNames = true;
                }
                case "noendpoints" -> {
                    d.requireNoMoreArgs();
                    noEndpoints = true;
                }
                case "ttl" -> {
                    ttl = ttl(d);
                }
                case "fallthrough" -> fallthrough = Fallthrough.parse(d);
                case "startup_timeout" -> {
                    d.requireArg();
                    startup = d.duration(d.token(), "startup_timeout: ");
                    if (startup.isNegative()) {
                        throw d.pluginErr("startup_timeout must not be negative");
                    }
                    d.requireNoMoreArgs();
                }
                default -> {
                    if (UNSUPPORTED.contains(option)) {
                        throw d.pluginErr("'" + option + "' is not supported yet");
                    }
                    throw d.pluginErr("unknown property '" + option + "'");
                }
            }
        }
        String primary = null;
        for (String z : zones) {
            if (!z.endsWith("in-addr.arpa.") && !z.endsWith("ip6.arpa.")) {
                primary = z;
                break;
            }
        }
        if (primary == null) {
            throw d.pluginErr(at, "needs at least one zone that is not a reverse zone");
        }
        KubeClientConfig client = KubernetesSetup.client(kubeconfig, context, env, at, "kubernetes");
        EnumSet<Feature> features = EnumSet.of(Feature.SERVICES);
        if (!noEndpoints) {
            features.add(Feature.ENDPOINTS);
        }
        if (pods == ClusterLocalResolver.Pods.VERIFIED) {
            features.add(Feature.PODS);
        }
        ClusterLocalResolver resolver = new ClusterLocalResolver(
                new ClusterLocalResolver.Options(Set.copyOf(namespaces), pods, podNames, noEndpoints, primary));
        DiscoveryHandler handler = handler(ctx, new DiscoveryHandler.Settings(NAME, List.copyOf(zones), fallthrough, ttl,
                client, features, startup), resolver);
        ctx.addHandler(handler);
    }

    /** Builds the handler and registers its lifecycle, readiness and the registry's shutdown (both plugins). */
    public static DiscoveryHandler handler(SetupContext ctx, DiscoveryHandler.Settings settings,
            io.nodedns.k8s.dns.Resolver resolver) {
        DiscoveryRegistry registry = ctx.shared().state(DiscoveryRegistry.KEY, k -> new DiscoveryRegistry());
        ctx.shared().state(io.nodedns.k8s.dns.DiscoveryMetrics.KEY, k -> { // once per process, outlives reloads
            io.nodedns.k8s.dns.DiscoveryMetrics m = new io.nodedns.k8s.dns.DiscoveryMetrics(registry);
            io.nodedns.plugin.prometheus.PrometheusSetup.metrics(ctx).registry().register(m);
            return m;
        });
        DiscoveryHandler handler = new DiscoveryHandler(settings, resolver, registry);
        ctx.addLifecycle(handler);
        ctx.addReadiness(handler);
        ctx.addLifecycle(new Lifecycle() {
            @Override
            public void shutdown() {
                registry.shutdown();
            }
        });
        return handler;
    }

    /** The directive's zones (the dispenser stands on its name), else the server block's. */
    public static List<String> zones(SetupContext ctx, Dispenser d) throws ConfigException {
        List<String> zones = new ArrayList<>();
        for (Token t : d.remainingArgTokens()) {
            zones.addAll(Zones.normalize(t));
        }
        if (zones.isEmpty()) {
            zones.addAll(ctx.zones());
        }
        return zones;
    }

    /** The API client configuration, checked now so a bad kubeconfig is a config error at the directive. */
    public static KubeClientConfig client(Path kubeconfig, String context, Map<String, String> env, Token at,
            String plugin) throws ConfigException {
        try {
            KubeClientConfig client = KubeClientConfig.resolve(kubeconfig, context, env);
            client.check();
            return client;
        } catch (IOException e) {
            throw ConfigException.plugin(plugin, at, e.getMessage());
        }
    }

    /** {@code ttl N}: 0 to 3600 seconds. */
    public static long ttl(Dispenser d) throws ConfigException {
        String v = d.requireArg();
        long ttl;
        try {
            ttl = Long.parseLong(v);
        } catch (NumberFormatException e) {
            throw d.err("ttl: not a number '" + v + "'");
        }
        if (ttl < 0 || ttl > 3600) {
            throw d.err("ttl must be in range [0, 3600]: " + ttl);
        }
        d.requireNoMoreArgs();
        return ttl;
    }
}
