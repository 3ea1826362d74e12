package io.nodedns.plugin.nodecache;

import io.nodedns.config.ConfigException;
import io.nodedns.config.Directive;
import io.nodedns.config.Dispenser;
import io.nodedns.config.ServerKey;
import io.nodedns.server.PluginSetup;
import io.nodedns.server.SetupContext;
import io.nodedns.server.Shared;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.function.Function;

/**
 * {@code nodecache [skipteardown] { interface NAME; setupinterface BOOL; setupiptables BOOL;
 * syncinterval DURATION; healthport PORT; backend auto|nft|legacy; lockdir DIR|none }}: take over
 * the block's bind addresses like node-cache. All blocks of a configuration share one network
 * setup, so they must agree on the options; their addresses are merged.
 */
public final class NodecacheSetup implements PluginSetup {
    private static final String BUILD_KEY = "nodecache.build";

    private final Function<Shared, NodeNetwork> networks;

    public NodecacheSetup() {
        this(shared -> network(shared, NodeNetwork.systemRunner()));
    }

    /** With the network (and so the command runner) tests choose. */
    public NodecacheSetup(Function<Shared, NodeNetwork> networks) {
        this.networks = networks;
    }

    /** The process's network state, created on first use with this runner; its metrics are registered once. */
    public static NodeNetwork network(Shared shared, CommandRunner runner) {
        NodeNetwork network = shared.state(NodeNetwork.STATE_KEY, k -> new NodeNetwork(runner));
        shared.metrics(NodecacheMetrics.KEY, k -> new NodecacheMetrics(network.errors()));
        return network;
    }

    /** The options and addresses of all nodecache blocks of the configuration being built. */
    private static final class Merged {
        NodecacheConfig config;
    }

    @Override
    public void setup(SetupContext ctx) throws ConfigException {
        Directive directive = ctx.once();
        Dispenser d = directive.dispenser();
        d.next();
        NodecacheConfig parsed = parse(d, targets(ctx, directive));
        Merged merged = (Merged) ctx.buildState().get(BUILD_KEY);
        if (merged == null) {
            Merged fresh = new Merged();
            fresh.config = parsed;
            ctx.buildState().put(BUILD_KEY, fresh);
            ctx.addLifecycle(new NodecacheLifecycle(networks.apply(ctx.shared()), () -> fresh.config));
            return;
        }
        if (!merged.config.sameOptions(parsed)) {
            throw directive.pluginErr(directive.nameToken(),
                    "options differ from another block's nodecache; all blocks share one network setup");
        }
        Set<NodecacheConfig.Target> all = new LinkedHashSet<>(merged.config.targets());
        all.addAll(parsed.targets());
        merged.config = merged.config.withTargets(List.copyOf(all));
    }

    private static List<NodecacheConfig.Target> targets(SetupContext ctx, Directive directive) throws ConfigException {
        List<String> hosts = ctx.boundHosts();
        if (hosts.isEmpty()) {
            throw directive.pluginErr(directive.nameToken(),
                    "the block needs a 'bind' with the node-local address(es) to take over");
        }
        Set<Integer> ports = new LinkedHashSet<>();
        for (ServerKey key : ctx.keys()) {
            ports.add(key.port());
        }
        List<NodecacheConfig.Target> targets = new ArrayList<>();
        for (String host : hosts) {
            if (host.indexOf('%') >= 0 || host.equals("0.0.0.0") || host.equals("::")) {
                throw directive.pluginErr(directive.nameToken(), "cannot take over bind address '"
                        + host + "' (needs a unicast address without zone)");
            }
            for (int port : ports) {
                targets.add(new NodecacheConfig.Target(host, port));
            }
        }
        return targets;
    }

    static NodecacheConfig parse(Dispenser d, List<NodecacheConfig.Target> targets) throws ConfigException {
        boolean skipTeardown = false;
        while (d.nextArg()) {
            if (!d.val().equalsIgnoreCase("skipteardown")) {
                throw d.pluginErr("unknown argument '" + d.val() + "', expecting 'skipteardown'");
            }
            skipTeardown = true;
        }
        String iface = NodecacheConfig.DEFAULT_INTERFACE;
        boolean setupInterface = true;
        boolean setupIptables = true;
        Duration sync = NodecacheConfig.DEFAULT_SYNC;
        int healthPort = NodecacheConfig.DEFAULT_HEALTH_PORT;
        NodecacheConfig.Backend backend = NodecacheConfig.Backend.AUTO;
        Path lockDir = NodecacheConfig.DEFAULT_LOCK_DIR;
        while (d.nextBlock()) {
            String option = d.val();
            switch (option) {
                case "interface" -> {
                    iface = d.requireArg();
                    if (!iface.matches("[A-Za-z0-9_.@-]{1,15}")) {
                        throw d.pluginErr("invalid interface name '" + iface + "'");
                    }
                }
                case "setupinterface" -> setupInterface = bool(d);
                case "setupiptables" -> setupIptables = bool(d);
                case "syncinterval" -> {
                    sync = d.durationArgLenient();
                    if (sync.compareTo(Duration.ofMillis(100)) < 0) {
                        throw d.pluginErr("syncinterval must be at least 100ms");
                    }
                }
                case "healthport" -> healthPort = d.intArg(1, 65535);
                case "backend" -> {
                    String b = d.requireArg();
                    backend = switch (b) {
                        case "auto" -> NodecacheConfig.Backend.AUTO;
                        case "nft" -> NodecacheConfig.Backend.NFT;
                        case "legacy" -> NodecacheConfig.Backend.LEGACY;
                        default -> throw d.pluginErr("backend must be auto, nft or legacy, not '" + b + "'");
                    };
                }
                case "lockdir" -> {
                    String dir = d.requireArg();
                    lockDir = dir.equals("none") ? null : Path.of(dir);
                }
                default -> throw d.unknownProperty();
            }
            d.requireNoMoreArgs();
        }
        return new NodecacheConfig(targets, iface, setupInterface, setupIptables, sync, skipTeardown, healthPort,
                backend,
                lockDir);
    }

    private static boolean bool(Dispenser d) throws ConfigException {
        String v = d.requireArg();
        return switch (v.toLowerCase(java.util.Locale.ROOT)) {
            case "true", "yes", "on" -> true;
            case "false", "no", "off" -> false;
            default -> throw d.pluginErr("'" + v + "' is not a boolean (true or false)");
        };
    }
}
