package io.nodedns.plugin.multicluster;

import io.nodedns.config.ConfigException;
import io.nodedns.config.Dispenser;
import io.nodedns.k8s.DiscoveryBackend.Feature;
import io.nodedns.k8s.DiscoveryBackend.Selectors;
import io.nodedns.k8s.KubeClientConfig;
import io.nodedns.k8s.dns.DiscoveryOptions;
import io.nodedns.server.PluginSetup;
import io.nodedns.server.SetupContext;
import java.time.Duration;
import java.util.EnumSet;
import java.util.Map;

/**
 * {@code multicluster [ZONES...] { kubeconfig FILE [CONTEXT]; noendpoints; fallthrough [ZONES...];
 * ttl N }}, once per block. Watches ServiceImports (v1beta1 when served, else v1alpha1), the
 * EndpointSlices labelled {@code multicluster.kubernetes.io/service-name} and Namespaces.
 */
public final class MulticlusterSetup implements PluginSetup {
    static final String NAME = "multicluster";
    private final Map<String, String> env;

    /** {@code env}: the process environment ($KUBECONFIG, KUBERNETES_SERVICE_HOST), or a test's. */
    public MulticlusterSetup(Map<String, String> env) {
        this.env = Map.copyOf(env);
    }

    @Override
    public void setup(SetupContext ctx) throws ConfigException {
        Dispenser d = ctx.once().dispenser();
        DiscoveryOptions o = new DiscoveryOptions(ctx, d);
        while (d.nextBlock()) {
            if (!o.parse(d)) {
                throw d.unknownProperty();
            }
        }
        KubeClientConfig client = o.client(env, NAME);
        // noendpoints keeps the slice watch off: headless imports then have no records
        EnumSet<Feature> features = EnumSet.of(Feature.SERVICE_IMPORTS);
        if (!o.noEndpoints()) {
            features.add(Feature.MULTICLUSTER_ENDPOINTS);
        }
        DiscoveryOptions.addHandler(ctx, o.settings(NAME, client, features, Duration.ofSeconds(5), Selectors.NONE),
                new ClustersetResolver(o.noEndpoints()));
    }
}
