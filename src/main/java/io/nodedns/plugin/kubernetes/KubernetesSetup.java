package io.nodedns.plugin.kubernetes;

import io.nodedns.config.ConfigException;
import io.nodedns.config.Dispenser;
import io.nodedns.config.Token;
import io.nodedns.k8s.DiscoveryBackend.Feature;
import io.nodedns.k8s.DiscoveryBackend.Selectors;
import io.nodedns.k8s.KubeClientConfig;
import io.nodedns.k8s.RequestLimits;
import io.nodedns.k8s.dns.DiscoveryHandler;
import io.nodedns.k8s.dns.DiscoveryOptions;
import io.nodedns.server.PluginSetup;
import io.nodedns.server.SetupContext;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
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

    /** {@code env}: the process environment ($KUBECONFIG, KUBERNETES_SERVICE_HOST), or a test's. */
    public KubernetesSetup(Map<String, String> env) {
        this.env = Map.copyOf(env);
    }

    @Override
    public void setup(SetupContext ctx) throws ConfigException {
        Dispenser d = ctx.once().dispenser();
        DiscoveryOptions o = new DiscoveryOptions(ctx, d);
        Token endpointAt = null;
        java.net.URI endpoint = null;
        Token tlsAt = null;
        Path[] tls = null;
        Set<String> namespaces = new LinkedHashSet<>();
        ClusterLocalResolver.Pods pods = ClusterLocalResolver.Pods.DISABLED;
        boolean podNames = false;
        boolean ignoreEmptyService = false;
        String labels = null;
        String namespaceLabels = null;
        double qps = 0;
        int burst = 0;
        int maxInflight = 0;
        Duration startup = Duration.ofSeconds(5);
        while (d.nextBlock()) {
            String option = d.val();
            if (o.parse(d)) {
                continue;
            }
            switch (option) {
                case "namespaces" -> namespaces.addAll(d.requireArgs());
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
                case "endpoint_pod_names" -> podNames = d.flag();
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
                    throw d.unknownProperty();
                }
            }
        }
        String primary = null;
        for (String z : o.zones()) {
            if (!z.endsWith("in-addr.arpa.") && !z.endsWith("ip6.arpa.")) {
                primary = z;
                break;
            }
        }
        if (primary == null) {
            throw d.pluginErr(o.at(), "needs at least one zone that is not a reverse zone");
        }
        KubeClientConfig client;
        if (endpoint != null) {
            if (o.kubeconfigSet()) { // CoreDNS ignores endpoint then; two sources would hide a mistake
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
            client = o.client(env, NAME);
        }
        if (qps > 0 || burst > 0 || maxInflight > 0) {
            client = client.withLimits(new RequestLimits(qps, burst, maxInflight));
        }
        EnumSet<Feature> features = EnumSet.of(Feature.SERVICES);
        if (!o.noEndpoints()) {
            features.add(Feature.ENDPOINTS);
        }
        // the client's pod as metadata needs its name: kept only where a metadata plugin can read it
        boolean clientPods = pods == ClusterLocalResolver.Pods.VERIFIED
                && !ctx.block().directives("metadata").isEmpty();
        if (pods == ClusterLocalResolver.Pods.VERIFIED) {
            features.add(Feature.PODS);
        }
        if (clientPods) {
            features.add(Feature.POD_NAMES);
        }
        ClusterLocalResolver resolver = new ClusterLocalResolver(
                new ClusterLocalResolver.Options(Set.copyOf(namespaces), pods, podNames, o.noEndpoints(), primary,
                        ignoreEmptyService));
        DiscoveryHandler handler = DiscoveryOptions.addHandler(ctx,
                o.settings(NAME, client, features, startup, new Selectors(labels, namespaceLabels)),
                resolver);
        ctx.addMetadataProvider(new KubernetesMetadata(o.zones(), clientPods ? handler : null));
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
        List<String> args = d.requireArgs();
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
        List<String> args = d.requireArgs();
        try {
            return LabelSelectorText.normalize(String.join(" ", args));
        } catch (IllegalArgumentException e) {
            throw d.pluginErr("unable to parse " + what + " selector value: '" + String.join(" ", args) + "': "
                    + e.getMessage());
        }
    }
}
