package io.nodedns.server;

import io.nodedns.config.ConfigException;
import io.nodedns.config.Directive;
import io.nodedns.config.ServerBlock;
import io.nodedns.config.ServerKey;
import io.nodedns.config.Token;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * One loaded configuration: every block set up, chained and grouped per listen address
 * (docs/architecture.md). Building it binds nothing, so any config error aborts before anything is served.
 */
public record Instance(List<ServerConfig> configs, Map<ListenAddress, ListenerPlan> plans, List<Lifecycle> lifecycles,
        List<Readiness> readiness, List<HttpRoute> httpRoutes) {
    /** What one listener serves: zones in the order they were declared, and transport settings. */
    public record ListenerPlan(ListenAddress address, List<String> zones, List<ServerConfig> configs,
            ListenerSettings settings, io.nodedns.tls.ServerTls tls) {
        ZoneTable table() {
            return new ZoneTable(zones, configs);
        }
    }

    /** Server block schemes nodedns serves (CoreDNS also has quic, grpc and https3). */
    static final List<String> SERVED_SCHEMES = List.of("dns", "tls", "https");

    /** Sets up every block; {@code defaultPort} is the -dns.port value for keys without a port. */
    public static Instance build(List<ServerBlock> blocks, PluginRegistry registry, Shared shared, int defaultPort)
            throws ConfigException {
        List<SetupContext> contexts = new ArrayList<>();
        for (ServerBlock block : blocks) {
            List<ServerKey> keys = new ArrayList<>();
            for (Token key : block.keys()) {
                for (ServerKey sk : ServerKey.parse(key, defaultPort)) {
                    if (!SERVED_SCHEMES.contains(sk.scheme())) {
                        throw new ConfigException(key, "transport '" + sk.scheme() + "://' is not supported by"
                                + " nodedns; only dns:// (UDP and TCP), tls:// (RFC 7858) and https:// (RFC 8484)");
                    }
                    keys.add(sk);
                }
            }
            for (String name : block.directiveNames()) {
                if (!registry.isImplemented(name)) {
                    Directive first = block.directives(name).getFirst();
                    throw new ConfigException(first.nameToken(),
                            "plugin '" + name + "' is not supported by nodedns (see docs/plugins.md)");
                }
            }
            contexts.add(new SetupContext(block, keys, shared));
        }
        java.util.Map<String, Object> buildState = new java.util.HashMap<>();
        for (SetupContext ctx : contexts) {
            ctx.buildState(buildState);
        }
        // Directives run in plugin order (outer loop) over all blocks (inner loop), as caddy does.
        for (String name : registry.order()) {
            PluginSetup setup = registry.setup(name);
            if (setup == null) {
                continue;
            }
            for (SetupContext ctx : contexts) {
                if (ctx.block().directiveNames().contains(name)) {
                    ctx.select(name);
                    setup.setup(ctx);
                }
            }
        }
        List<ServerConfig> configs = new ArrayList<>();
        List<Lifecycle> lifecycles = new ArrayList<>();
        List<Readiness> readiness = new ArrayList<>();
        List<HttpRoute> routes = new ArrayList<>();
        Map<ListenAddress, ListenerPlan> plans = new LinkedHashMap<>();
        Map<String, String> claimed = new LinkedHashMap<>(); // zone:port@host -> key text, for overlap errors
        for (SetupContext ctx : contexts) {
            ServerConfig config = ServerConfig.of(ctx, link(ctx.handlers()),
                    ctx.listenLabels(ctx.keys().getFirst().port()).getFirst());
            configs.add(config);
            lifecycles.addAll(ctx.lifecycles());
            readiness.addAll(ctx.readiness());
            routes.addAll(ctx.httpRoutes());
            List<String> hosts = ctx.listenHosts().isEmpty() ? List.of("") : ctx.listenHosts();
            for (ServerKey key : ctx.keys()) {
                for (String host : hosts) {
                    checkOverlap(claimed, key, host);
                    ListenAddress address = new ListenAddress(host, key.port(), key.scheme());
                    ListenerPlan plan = plans.get(address);
                    List<String> zones = plan == null ? new ArrayList<>() : new ArrayList<>(plan.zones());
                    List<ServerConfig> cfgs = plan == null ? new ArrayList<>() : new ArrayList<>(plan.configs());
                    zones.add(key.zone());
                    cfgs.add(config);
                    ListenerSettings settings = plan == null ? ctx.settings() : ctx.settings().overlay(plan.settings());
                    // CoreDNS NewServerTLS/NewServerHTTPS: the last block's tls of the group wins
                    io.nodedns.tls.ServerTls tls = ctx.serverTls() != null || plan == null
                            ? ctx.serverTls()
                            : plan.tls();
                    plans.put(address, new ListenerPlan(address, zones, cfgs, settings, tls));
                }
            }
        }
        checkSchemes(plans);
        return new Instance(List.copyOf(configs), plans, List.copyOf(lifecycles), List.copyOf(readiness),
                List.copyOf(routes));
    }

    /**
     * One socket serves one protocol: with SO_REUSEPORT a dns:// and a tls:// listener on one
     * port would both bind, and the kernel would hand each connection to either.
     */
    private static void checkSchemes(Map<ListenAddress, ListenerPlan> plans) throws ConfigException {
        List<ListenerPlan> seen = new ArrayList<>();
        for (ListenerPlan plan : plans.values()) {
            ListenAddress a = plan.address();
            for (ListenerPlan other : seen) {
                ListenAddress b = other.address();
                boolean sameHost = a.host().equals(b.host()) || a.host().isEmpty() || b.host().isEmpty();
                if (a.port() == b.port() && sameHost && !a.scheme().equals(b.scheme())) {
                    Token at = null;
                    for (ServerConfig c : plan.configs()) {
                        for (ServerKey k : c.keys()) {
                            if (at == null && k.port() == a.port() && k.scheme().equals(a.scheme())) {
                                at = k.source();
                            }
                        }
                    }
                    throw new ConfigException(at, "cannot serve " + a.label() + " - port " + a.port()
                            + " is already served as " + b.label() + " (one port serves one transport)");
                }
            }
            seen.add(plan);
        }
    }

    private static void checkOverlap(Map<String, String> claimed, ServerKey key, String host) throws ConfigException {
        String where = key.address() + (host.isEmpty() ? "" : " on " + host);
        String exact = key.zone() + ":" + key.port() + "@" + host;
        if (claimed.containsKey(exact)) {
            throw new ConfigException(key.source(), "cannot serve " + where + " - it is already defined");
        }
        for (String other : claimed.keySet()) {
            String otherZonePort = other.substring(0, other.lastIndexOf('@'));
            String otherHost = other.substring(other.lastIndexOf('@') + 1);
            if (otherZonePort.equals(key.zone() + ":" + key.port()) && (otherHost.isEmpty() != host.isEmpty())) {
                throw new ConfigException(key.source(), "cannot serve " + where
                        + " - zone overlap listener capacity with " + claimed.get(other));
            }
        }
        claimed.put(exact, where);
    }

    private static List<Handler> link(List<Handler> handlers) {
        for (int i = 0; i < handlers.size() - 1; i++) {
            if (handlers.get(i) instanceof ChainHandler chain) {
                chain.linkNext(handlers.get(i + 1));
            }
        }
        return handlers;
    }
}
