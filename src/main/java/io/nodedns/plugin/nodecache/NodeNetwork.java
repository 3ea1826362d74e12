package io.nodedns.plugin.nodecache;

import io.nodedns.log.Log;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * The node-local network state of one process, kept across reloads: the link with the addresses,
 * node-cache's iptables rules, the periodic re-check, and the teardown at final exit. Errors are
 * counted and retried, never thrown: once nodedns serves, networking trouble must not stop it.
 */
public final class NodeNetwork {
    static final String STATE_KEY = "nodecache.network";
    /** A failed pass is retried this soon (or at the sync interval, if shorter). */
    static final Duration RETRY = Duration.ofSeconds(2);

    private final CommandRunner runner;
    private final SetupErrorCounts errors = new SetupErrorCounts();
    private final Set<NodecacheConfig.Target> installed = new LinkedHashSet<>(); // every target ever set up, for teardown
    private final Set<Rule> seenRules = new java.util.HashSet<>(); // found or installed once: missing later = removed
    private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(
            r -> Thread.ofPlatform().daemon().name("nodecache-sync").unstarted(r));
    private NodecacheConfig config;
    private String backendSuffix; // detected once per process
    private Holders holders;
    private ScheduledFuture<?> next;
    private boolean started;
    private boolean finished;
    private long passes;

    public NodeNetwork(CommandRunner runner) {
        this.runner = runner;
    }

    /** The runner nodedns uses: real processes, each killed after 10 s. */
    public static CommandRunner systemRunner() {
        return new ProcessRunner(Duration.ofSeconds(10));
    }

    /** Takes a (new) configuration and puts the addresses on the link, before any listener binds to them. */
    public synchronized void configure(NodecacheConfig newConfig) {
        this.config = newConfig;
        if (newConfig.setupInterface()) {
            ensureLink();
        }
    }

    /** After the listeners are bound: register as a holder, install the rules now, then re-check periodically. */
    public synchronized void start() {
        if (finished || config == null) {
            return;
        }
        if (!started) {
            started = true;
            if (config.lockDir() != null) {
                try {
                    holders = Holders.register(config.lockDir());
                } catch (IOException | RuntimeException e) {
                    Log.warning("nodecache",
                            "teardown not coordinated: cannot register in " + config.lockDir() + ": " + e);
                }
            }
        }
        schedule(passNow());
    }

    /** One full check: link and addresses, then the rules; true if everything succeeded. */
    public synchronized boolean syncOnce() {
        return passNow();
    }

    private boolean passNow() {
        long before = errors.total();
        if (config.setupInterface()) {
            ensureLink();
        }
        if (config.setupIptables()) {
            syncRules();
        }
        installed.addAll(config.targets());
        passes++;
        return errors.total() == before;
    }

    private void schedule(boolean ok) {
        if (next != null) {
            next.cancel(false);
        }
        Duration interval = config.syncInterval();
        Duration delay = ok || interval.compareTo(RETRY) < 0 ? interval : RETRY;
        next = timer.schedule(this::tick, delay.toMillis(), TimeUnit.MILLISECONDS);
    }

    private synchronized void tick() {
        if (finished) {
            return;
        }
        try {
            schedule(passNow());
        } catch (RuntimeException e) { // never let the re-check die
            errors.failed("iptables", "nodecache re-check failed: " + e);
            schedule(false);
        }
    }

    /**
     * Final shutdown: stop re-checking and, unless {@code skipteardown}, remove the rules and the
     * addresses; with a lock directory only the last live instance does so.
     */
    public void shutdown() {
        synchronized (this) {
            if (finished) {
                return;
            }
            finished = true;
            if (next != null) {
                next.cancel(false);
            }
        }
        timer.shutdownNow();
        if (config == null) {
            return;
        }
        Runnable teardown = config.skipTeardown()
                ? () -> Log.info("nodecache", "skipteardown: leaving rules and link")
                : this::teardown;
        if (holders == null) {
            teardown.run();
            return;
        }
        try {
            int others = holders.leave(teardown);
            if (others > 0) {
                Log.info("nodecache",
                        others + " other instance(s) still serve the node-local addresses: rules and link stay");
            }
        } catch (IOException | RuntimeException e) {
            Log.warning("nodecache", "teardown coordination failed (" + e + "); tearing down");
            teardown.run();
        }
    }

    private synchronized void teardown() {
        Log.info("nodecache", "Tearing down");
        List<NodecacheConfig.Target> targets = new ArrayList<>(installed);
        targets.addAll(config.targets());
        if (config.setupIptables()) {
            for (boolean v6 : new boolean[]{false, true}) {
                List<Rule> rules = rulesFor(targets, v6);
                if (!rules.isEmpty()) {
                    removeAll(iptables(v6), rules);
                }
            }
        }
        if (config.setupInterface()) {
            new NodeLink(runner, config.interfaceName()).remove(addresses(targets), errors);
        }
    }

    private void ensureLink() {
        new NodeLink(runner, config.interfaceName()).ensure(addresses(config.targets()), errors);
    }

    private void syncRules() {
        for (boolean v6 : new boolean[]{false, true}) {
            List<Rule> rules = rulesFor(config.targets(), v6);
            if (!rules.isEmpty()) {
                RuleSync.ensure(iptables(v6), rules, errors, seenRules);
            }
        }
    }

    private static void removeAll(Iptables iptables, List<Rule> rules) {
        RuleSync.removeAll(iptables, rules);
    }

    private List<Rule> rulesFor(List<NodecacheConfig.Target> targets, boolean v6) {
        List<Rule> rules = new ArrayList<>();
        Set<Rule> seen = new LinkedHashSet<>();
        for (NodecacheConfig.Target t : targets) {
            if (t.ipv6() == v6) {
                for (Rule r : Rule.forAddress(t.ip(), t.port(), config.healthPort())) {
                    if (seen.add(r)) {
                        rules.add(r);
                    }
                }
            }
        }
        return rules;
    }

    private Iptables iptables(boolean v6) {
        if (config.backend() == NodecacheConfig.Backend.AUTO && backendSuffix == null) {
            backendSuffix = Backends.detect(runner);
            Log.info("nodecache",
                    "iptables backend: " + (backendSuffix.isEmpty() ? "iptables (only one installed)" : backendSuffix));
        }
        return new Iptables(runner, Backends.command(config.backend(), backendSuffix == null ? "" : backendSuffix, v6));
    }

    private static List<String> addresses(List<NodecacheConfig.Target> targets) {
        Set<String> ips = new LinkedHashSet<>();
        for (NodecacheConfig.Target t : targets) {
            ips.add(t.ip());
        }
        return List.copyOf(ips);
    }

    /** node-cache mode's ConfigMap sync failed (node-cache's {@code configmap} setup error): counted and logged. */
    public void configMapError(String message) {
        errors.failed("configmap", message);
    }

    SetupErrorCounts errors() {
        return errors;
    }

    synchronized long passes() {
        return passes;
    }
}
