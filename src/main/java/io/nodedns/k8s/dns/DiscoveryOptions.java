package io.nodedns.k8s.dns;

import io.nodedns.config.ConfigException;
import io.nodedns.config.Dispenser;
import io.nodedns.config.Fallthrough;
import io.nodedns.config.Token;
import io.nodedns.k8s.DiscoveryBackend;
import io.nodedns.k8s.DiscoveryRegistry;
import io.nodedns.k8s.KubeClientConfig;
import io.nodedns.server.Lifecycle;
import io.nodedns.server.SetupContext;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * What the kubernetes and multicluster directives share, parsed as CoreDNS's two setups do:
 * {@code NAME [ZONES...]} and the options {@code kubeconfig FILE [CONTEXT]}, {@code noendpoints},
 * {@code ttl N} and {@code fallthrough [ZONES...]}. Each setup parses its own options around these,
 * as kubeforward does with forward's options.
 */
public final class DiscoveryOptions {
    private final Token at;
    private final List<String> zones;
    private Path kubeconfig;
    private String context;
    private long ttl = 5;
    private Fallthrough fallthrough = Fallthrough.NEVER;
    private boolean noEndpoints;

    /** Reads the directive's name and zones (else the server block's); its options follow. */
    public DiscoveryOptions(SetupContext ctx, Dispenser d) throws ConfigException {
        d.next();
        this.at = d.token();
        this.zones = d.zoneArgs(ctx.zones());
    }

    /** Parses the option at the cursor; false if it is not one of these (nothing consumed). */
    public boolean parse(Dispenser d) throws ConfigException {
        switch (d.val()) {
            case "kubeconfig" -> {
                kubeconfig = Path.of(d.requireArg());
                context = d.nextArg() ? d.val() : null;
                d.requireNoMoreArgs();
            }
            case "noendpoints" -> noEndpoints = d.flag();
            case "ttl" -> ttl = ttl(d);
            case "fallthrough" -> fallthrough = Fallthrough.parse(d);
            default -> {
                return false;
            }
        }
        return true;
    }

    /** The directive's name token, where errors about the whole directive point. */
    public Token at() {
        return at;
    }

    public List<String> zones() {
        return zones;
    }

    public boolean noEndpoints() {
        return noEndpoints;
    }

    public boolean kubeconfigSet() {
        return kubeconfig != null;
    }

    /**
     * The API client from {@code kubeconfig} or the environment, checked now so a bad kubeconfig is a
     * config error at the directive.
     */
    public KubeClientConfig client(Map<String, String> env, String plugin) throws ConfigException {
        try {
            KubeClientConfig client = KubeClientConfig.resolve(kubeconfig, context, env);
            client.check();
            return client;
        } catch (IOException e) {
            throw ConfigException.plugin(plugin, at, e.getMessage());
        }
    }

    /** The handler's settings from these options and the plugin's own. */
    public DiscoveryHandler.Settings settings(String plugin, KubeClientConfig client,
            Set<DiscoveryBackend.Feature> features, Duration startupTimeout, DiscoveryBackend.Selectors selectors) {
        return new DiscoveryHandler.Settings(plugin, zones, fallthrough, ttl, client, features, startupTimeout,
                selectors);
    }

    /**
     * Builds the handler and adds it to the block with its lifecycle, readiness and the shared
     * registry's shutdown.
     */
    public static DiscoveryHandler addHandler(SetupContext ctx, DiscoveryHandler.Settings settings,
            Resolver resolver) {
        DiscoveryRegistry registry = ctx.shared().state(DiscoveryRegistry.KEY, k -> new DiscoveryRegistry());
        // once per process, outlives reloads
        ctx.shared().metrics(DiscoveryMetrics.KEY, k -> new DiscoveryMetrics(registry));
        DiscoveryHandler handler = new DiscoveryHandler(settings, resolver, registry);
        ctx.addLifecycle(handler);
        ctx.addReadiness(handler);
        ctx.addLifecycle(new Lifecycle() {
            @Override
            public void shutdown() {
                registry.shutdown();
            }
        });
        ctx.addHandler(handler);
        return handler;
    }

    /** {@code ttl N}: 0 to 3600 seconds (kubernetes, multicluster and k8s_external alike); errors name the directive. */
    public static long ttl(Dispenser d) throws ConfigException {
        String v = d.requireArg();
        long ttl;
        try {
            ttl = Long.parseLong(v);
        } catch (NumberFormatException e) {
            throw d.pluginErr("ttl: not a number '" + v + "'");
        }
        if (ttl < 0 || ttl > 3600) {
            throw d.pluginErr("ttl must be in range [0, 3600]: " + ttl);
        }
        d.requireNoMoreArgs();
        return ttl;
    }
}
