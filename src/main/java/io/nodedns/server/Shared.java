package io.nodedns.server;

import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.function.Function;

/**
 * Process-wide state that outlives reloads: HTTP listeners, plugin state that must carry over
 * (caches, upstream health, watchers), and the server's own status for health and ready.
 */
public final class Shared {
    private final HttpEndpoints http = new HttpEndpoints();
    private final ConcurrentMap<String, Object> state = new ConcurrentHashMap<>();
    private final java.util.List<MetricSource> metrics = new java.util.concurrent.CopyOnWriteArrayList<>();
    private volatile boolean shuttingDown;
    private volatile java.time.Duration lameDuck = java.time.Duration.ZERO;
    private volatile Runnable reloadTrigger = () -> {};
    private volatile QueryObserver observer = QueryObserver.NONE;
    private volatile String configDigest = "";
    private volatile java.util.function.Supplier<Instance> currentInstance = () -> null;
    private volatile java.util.List<Listener> listeners = java.util.List.of();
    private volatile java.util.function.BiConsumer<String, String> fatal = Shared::exitFatally;

    public HttpEndpoints http() {
        return http;
    }

    /** Returns the state stored under key, creating it on first use (e.g. a shared informer). */
    @SuppressWarnings("unchecked")
    public <T> T state(String key, Function<String, T> create) {
        return (T) state.computeIfAbsent(key, create);
    }

    /**
     * A process-wide metric source, created and kept on first use of its key: series that outlive
     * reloads (watchers, adders shared by every instance; CoreDNS registers such collectors once).
     * The prometheus plugin reads them with server label "".
     */
    public <T extends MetricSource> T metrics(String key, Function<String, T> create) {
        return state(key, k -> {
            T source = create.apply(k);
            metrics.add(source);
            return source;
        });
    }

    /** The process-wide metric sources, in the order they were first used. */
    public java.util.List<MetricSource> metrics() {
        return metrics;
    }

    public boolean shuttingDown() {
        return shuttingDown;
    }

    void shuttingDown(boolean value) {
        this.shuttingDown = value;
    }

    /** How long a stop keeps serving before closing (health's lameduck); the longest configured wins. */
    public java.time.Duration lameDuck() {
        return lameDuck;
    }

    public void lameDuck(java.time.Duration duration) {
        this.lameDuck = duration;
    }

    /** The configuration now serving, or null before the first start (metrics read plugin counters from it). */
    public Instance currentInstance() {
        return currentInstance.get();
    }

    void currentInstance(java.util.function.Supplier<Instance> supplier) {
        this.currentInstance = supplier;
    }

    /** The DNS listeners now serving (a snapshot published at each start and reload). */
    public java.util.List<Listener> listeners() {
        return listeners;
    }

    void listeners(java.util.List<Listener> serving) {
        this.listeners = java.util.List.copyOf(serving);
    }

    /**
     * Null while every UDP loop and TCP acceptor of every listener runs, else what stopped (health
     * and ready answer 503 with it, so the kubelet restarts a half-dead server). Lock-free.
     */
    public String servingProblem() {
        for (Listener l : listeners) {
            String problem = l.servingProblem();
            if (problem != null) {
                return problem;
            }
        }
        return null;
    }

    /** Hex SHA-512 of the parsed config now serving (coredns_reload_version_info). */
    public String configDigest() {
        return configDigest;
    }

    void configDigest(String hex) {
        this.configDigest = hex;
    }

    /** Who hears about queries rejected before any plugin ran, and panics (the metrics plugin). */
    public QueryObserver observer() {
        return observer;
    }

    public void observer(QueryObserver newObserver) {
        this.observer = newObserver == null ? QueryObserver.NONE : newObserver;
    }

    /** Asks the server to re-read its Corefile (the reload plugin, SIGUSR1). */
    public void requestReload() {
        reloadTrigger.run();
    }

    void reloadTrigger(Runnable trigger) {
        this.reloadTrigger = trigger;
    }

    /**
     * A plugin found a condition the process must not survive (CoreDNS's log.Fatal, e.g. the loop
     * plugin): logs one [FATAL] line and exits with status 1. Tests replace the action.
     */
    public void fatal(String plugin, String message) {
        fatal.accept(plugin, message);
    }

    public void onFatal(java.util.function.BiConsumer<String, String> action) {
        this.fatal = action;
    }

    private static void exitFatally(String plugin, String message) {
        io.nodedns.log.Log.fatal(plugin, message);
        // not on the caller's thread: it may be a serving loop that shutdown hooks wait for
        Thread.ofPlatform().name("nodedns-fatal-exit").start(() -> System.exit(1));
    }
}
