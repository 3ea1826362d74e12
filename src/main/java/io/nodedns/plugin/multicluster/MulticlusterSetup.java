package io.nodedns.plugin.multicluster;

import io.nodedns.config.ConfigException;
import io.nodedns.config.Directive;
import io.nodedns.config.Dispenser;
import io.nodedns.config.Fallthrough;
import io.nodedns.config.Token;
import io.nodedns.k8s.DiscoveryBackend.Feature;
import io.nodedns.k8s.KubeClientConfig;
import io.nodedns.k8s.dns.DiscoveryHandler;
import io.nodedns.plugin.kubernetes.KubernetesSetup;
import io.nodedns.server.PluginSetup;
import io.nodedns.server.SetupContext;
import java.nio.file.Path;
import java.time.Duration;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;

/**
 * {@code multicluster [ZONES...] { kubeconfig FILE [CONTEXT]; noendpoints; fallthrough [ZONES...];
 * ttl N }}, once per block. Watches ServiceImports (v1beta1 when served, else v1alpha1), the
 * EndpointSlices labelled {@code multicluster.kubernetes.io/service-name} and Namespaces.
 */
public final class MulticlusterSetup implements PluginSetup {
    static final String NAME = "multicluster";
    private final Map<String, String> env;

    public MulticlusterSetup() {
        this(System.getenv());
    }

    /** With a chosen environment ($KUBECONFIG, KUBERNETES_SERVICE_HOST) for tests. */
    public MulticlusterSetup(Map<String, String> env) {
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
        long ttl = 5;
        Fallthrough fallthrough = Fallthrough.NEVER;
        boolean noEndpoints = false;
        while (d.nextBlock()) {
            switch (d.val()) {
                case "kubeconfig" -> {
                    kubeconfig = Path.of(d.requireArg());
                    context = d.nextArg() ? d.val() : null;
                    d.requireNoMoreArgs();
                }
                case "noendpoints" -> {
                    d.requireNoMoreArgs();
                    noEndpoints = true;
                }
                case "ttl" -> ttl = KubernetesSetup.ttl(d);
                case "fallthrough" -> fallthrough = Fallthrough.parse(d);
                default -> throw d.pluginErr("unknown property '" + d.val() + "'");
            }
        }
        KubeClientConfig client = KubernetesSetup.client(kubeconfig, context, env, at, "multicluster");
        // noendpoints keeps the slice watch off: headless imports then have no records
        EnumSet<Feature> features = EnumSet.of(Feature.SERVICE_IMPORTS);
        if (!noEndpoints) {
            features.add(Feature.MULTICLUSTER_ENDPOINTS);
        }
        DiscoveryHandler handler = KubernetesSetup.handler(ctx, new DiscoveryHandler.Settings(NAME, List.copyOf(zones),
                fallthrough, ttl, client, features, Duration.ofSeconds(5),
                io.nodedns.k8s.DiscoveryBackend.Selectors.NONE),
                new ClustersetResolver(noEndpoints));
        ctx.addHandler(handler);
    }
}
