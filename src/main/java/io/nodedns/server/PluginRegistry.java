package io.nodedns.server;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The fixed plugin order (CoreDNS's plugin.cfg, with nodedns's own plugins where their CoreDNS
 * builds put them) and the setups nodedns implements. Directive order inside a block never
 * matters; this table does. Names CoreDNS knows but nodedns does not implement are recognised so
 * that the error says so instead of "Unknown directive".
 */
public final class PluginRegistry {
    /** Execution order: the first sees the query first. */
    public static final List<String> ORDER = List.of(
            "root", "metadata", "geoip", "cancel", "proxyproto", "quic", "grpc_server", "https", "https3",
            "timeouts", "multisocket", "reload", "nsid", "bufsize", "bind", "nodecache", "debug", "trace",
            "ready", "health", "pprof", "shed", "prometheus", "errors", "log", "dnstap", "local", "dns64",
            "any", "chaos", "loadbalance", "tsig", "rewrite", "autopath", "acl", "cache", "header", "dnssec",
            "tls", "minimal", "template", "transfer", "hosts", "route53", "azure", "clouddns", "k8s_external",
            "kubernetes", "multicluster", "file", "auto", "secondary", "etcd", "loop", "forward", "kubeforward",
            "grpc", "erratic", "whoami", "on", "sign", "view", "nomad");

    private final List<String> order;
    private final Map<String, PluginSetup> setups = new LinkedHashMap<>();

    public PluginRegistry() {
        this(ORDER);
    }

    /** A registry with its own order table (tests add test-only plugins this way). */
    public PluginRegistry(List<String> order) {
        this.order = List.copyOf(order);
    }

    public List<String> order() {
        return order;
    }

    public PluginRegistry register(String name, PluginSetup setup) {
        if (!order.contains(name)) {
            throw new IllegalArgumentException("plugin " + name + " has no place in the plugin order");
        }
        setups.put(name, setup);
        return this;
    }

    /** True for every directive the Corefile parser should accept (implemented or not). */
    public boolean isKnown(String name) {
        return order.contains(name);
    }

    public boolean isImplemented(String name) {
        return setups.containsKey(name);
    }

    public PluginSetup setup(String name) {
        return setups.get(name);
    }

    /** Implemented plugins in execution order (what {@code -plugins} prints). */
    public List<String> implementedInOrder() {
        return order.stream().filter(setups::containsKey).toList();
    }
}
