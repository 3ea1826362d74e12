package io.nodedns.plugin.kubernetes;

import io.nodedns.config.ConfigException;
import io.nodedns.config.Directive;
import io.nodedns.config.Dispenser;
import io.nodedns.config.Fallthrough;
import io.nodedns.config.Token;
import io.nodedns.config.Zones;
import io.nodedns.k8s.DiscoveryBackend.Feature;
import io.nodedns.k8s.DiscoveryBackend.Selectors;
import io.nodedns.k8s.DiscoveryRegistry;
import io.nodedns.k8s.KubeClientConfig;
import io.nodedns.k8s.RequestLimits;
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
 * disabled|insecure|verified; endpoint_pod_names; noendpoints; ignore empty_service; labels SELECTOR;
 * namespace_labels SELECTOR; ttl N; fallthrough [ZONES...];
 * startup_timeout DURATION }}, once per block. Options of CoreDNS's plugin that nodedns does not
 * implement are rejected by name, so a Corefile never silently means something else.
 */
public final class KubernetesSetup implements PluginSetup {
    static final String NAME = "kubernetes";
    static final Set<String> UNSUPPORTED = Set.of("apiserver_qps", "apiserver_burst", "apiserver_max_inflight",
            "multicluster", "zonal", "transfer");

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
        Token endpointAt = null;
        java.net.URI endpoint = null;
        Token tlsAt = null;
        Path[] tls = null;
        Set<String> namespaces = new LinkedHashSet<>();
        ClusterLocalResolver.Pods pods = ClusterLocalResolver.Pods.DISABLED;
        boolean podNames = false;
        boolean noEndpoints = false;
        boolean ignoreEmptyService = false;
        String labels = null;
        String namespaceLabels = null;
        double qps = 0;
        int burst = 0;
        int maxInflight = 0;
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
                case "endpoint" -> {
                    endpointAt = d.token();
                    endpoint = endpoint(d);
                }
                case "tls" -> {
                    tlsAt = d.token();
                    List<String> args = d.remainingArgs();
                    if (args.size() != 3) {
                        throw d.argErr();
                    }
                    tls = new Path[]{Path.of(args.get(0)), Path.of(args.get(1)), Path.of(args.get(2))};
                }
                case "apiserver_qps" -> qps = limit(d, true);
                case "apiserver_burst" -> burst = (int) limit(d, false);
                case "apiserver_max_inflight" -> maxInflight = (int) limit(d, false);
                case "labels" -> labels = selector(d, "label");
                case "namespace_labels" -> namespaceLabels = selector(d, "namespace_label");
                case "ignore" -> {
                    String what = d.requireArg();
                    if (!what.equals("empty_service")) {
                        throw d.pluginErr("unable to parse ignore value: '" + what + "'");
                    }
                    d.requireNoMoreArgs();
                    ignoreEmptyService = true;
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
        KubeClientConfig client;
        if (endpoint != null) {
            if (kubeconfig != null) { // CoreDNS ignores endpoint then; two sources would hide a mistake
                throw d.pluginErr(endpointAt, "endpoint and kubeconfig both name the API server; use one");
            }
            if (tls != null && !endpoint.getScheme().equals("https")) {
                throw d.pluginErr(tlsAt, "tls needs an https endpoint");
            }
            client = KubeClientConfig.endpoint(new KubeClientConfig.Endpoint(endpoint, tls == null ? null : tls[0],
                    tls == null ? null : tls[1], tls == null ? null : tls[2]));
            try {
                client.check();
            } catch (IOException e) {
                throw d.pluginErr(tlsAt != null ? tlsAt : endpointAt, e.getMessage());
            }
        } else if (tls != null) { // CoreDNS ignores tls in-cluster
            throw d.pluginErr(tlsAt, "tls needs endpoint (the in-cluster and kubeconfig clients bring their own)");
        } else {
            client = KubernetesSetup.client(kubeconfig, context, env, at, "kubernetes");
        }
        if (qps > 0 || burst > 0 || maxInflight > 0) {
            client = client.withLimits(new RequestLimits(qps, burst, maxInflight));
        }
        EnumSet<Feature> features = EnumSet.of(Feature.SERVICES);
        if (!noEndpoints) {
            features.add(Feature.ENDPOINTS);
        }
        if (pods == ClusterLocalResolver.Pods.VERIFIED) {
            features.add(Feature.PODS);
        }
        ClusterLocalResolver resolver = new ClusterLocalResolver(
                new ClusterLocalResolver.Options(Set.copyOf(namespaces), pods, podNames, noEndpoints, primary,
                        ignoreEmptyService));
        DiscoveryHandler handler = handler(ctx,
                new DiscoveryHandler.Settings(NAME, List.copyOf(zones), fallthrough, ttl,
                        client, features, startup, new Selectors(labels, namespaceLabels)),
                resolver);
        ctx.addHandler(handler);
        ctx.addMetadataProvider(new KubernetesMetadata(zones));
    }

    /** Builds the handler and registers its lifecycle, readiness and the registry's shutdown (both plugins). */
    public static DiscoveryHandler handler(SetupContext ctx, DiscoveryHandler.Settings settings,
            io.nodedns.k8s.dns.Resolver resolver) {
        DiscoveryRegistry registry = ctx.shared().state(DiscoveryRegistry.KEY, k -> new DiscoveryRegistry());
        // once per process, outlives reloads
        ctx.shared().metrics(io.nodedns.k8s.dns.DiscoveryMetrics.KEY,
                k -> new io.nodedns.k8s.dns.DiscoveryMetrics(registry));
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

    /** {@code apiserver_qps N} (a number) or {@code apiserver_burst}/{@code apiserver_max_inflight N} (an integer), at least 0. */
    private static double limit(Dispenser d, boolean fraction) throws ConfigException {
        String option = d.val();
        String v = d.requireArg();
        d.requireNoMoreArgs();
        double n;
        try {
            n = fraction ? Double.parseDouble(v) : Integer.parseInt(v);
        } catch (NumberFormatException e) {
            throw d.pluginErr("invalid " + option + " \"" + v + "\"");
        }
        if (n < 0 || Double.isNaN(n) || Double.isInfinite(n)) {
            throw d.pluginErr("" + option + " must be >= 0");
        }
        return n;
    }

    /** {@code endpoint URL}: an http or https URL with a host (CoreDNS's deprecated extra URLs are refused). */
    private static java.net.URI endpoint(Dispenser d) throws ConfigException {
        List<String> args = d.remainingArgs();
        if (args.isEmpty()) {
            throw d.argErr();
        }
        if (args.size() > 1) {
            throw d.pluginErr("endpoint takes one URL (CoreDNS uses only the first of several)");
        }
        try {
            java.net.URI uri = new java.net.URI(args.getFirst());
            if (uri.getScheme() == null || !(uri.getScheme().equals("http") || uri.getScheme().equals("https"))
                    || uri.getHost() == null) {
                throw new java.net.URISyntaxException(args.getFirst(), "want http:// or https:// and a host");
            }
            return uri;
        } catch (java.net.URISyntaxException e) {
            throw d.pluginErr("endpoint: invalid URL '" + args.getFirst() + "': " + e.getReason());
        }
    }

    /**
     * {@code labels EXPRESSION} and {@code namespace_labels EXPRESSION}: the rest of the line is one
     * selector (CoreDNS joins the arguments with spaces), checked here and sent to the API server.
     */
    private static String selector(Dispenser d, String what) throws ConfigException {
        List<String> args = d.remainingArgs();
        if (args.isEmpty()) {
            throw d.argErr();
        }
        try {
            return LabelSelectorText.normalize(String.join(" ", args));
        } catch (IllegalArgumentException e) {
            throw d.pluginErr("unable to parse " + what + " selector value: '" + String.join(" ", args) + "': "
                    + e.getMessage());
        }
    }
}
