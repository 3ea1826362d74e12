package io.nodedns.server;

import io.nodedns.config.ConfigException;
import io.nodedns.config.Corefile;
import io.nodedns.config.ServerBlock;
import io.nodedns.log.Log;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * The running process: the current {@link Instance}, the listeners it uses, and the transitions
 * between them. Start fails before binding on any config error. A reload builds the new instance
 * beside the old one, keeps listeners whose address did not change (only their zone table is
 * swapped, and their new TCP settings handed over), hands what it replaced to
 * {@link Retirement}, and leaves the old one serving if anything about the new one fails.
 */
public final class Server {
    private final PluginRegistry registry;
    private final ConfigSource source;
    private final int defaultPort;
    private final Function<String, String> env;
    private final Shared shared = new Shared();
    private final Map<ListenAddress, Listener> listeners = new LinkedHashMap<>();
    /** TCP and DoT servers of retired listeners, open until their last connection closes (Retirement). */
    private final java.util.Set<SocketStreamServer<?>> drainingStreams = java.util.concurrent.ConcurrentHashMap
            .newKeySet();
    private Instance current;
    private byte[] digest;
    private boolean stopped;
    private java.time.Duration previousLameDuck = java.time.Duration.ZERO;
    private boolean shareAddresses;
    // Lifecycles and HTTP routes that belong to the process, not to a Corefile (node-cache flags).
    private final List<Lifecycle> processLifecycles = new ArrayList<>();
    /** The full GC after a reload and once quiet after a burst: one baseline for both. */
    private final HeapRelease heapRelease = new HeapRelease(this::queries);
    private final List<HttpRoute> processRoutes = new ArrayList<>();

    public Server(PluginRegistry registry, ConfigSource source, int defaultPort, Function<String, String> env) {
        this.registry = registry;
        this.source = source;
        this.defaultPort = defaultPort;
        this.env = env;
        shared.reloadTrigger(() -> Thread.ofVirtual().name("nodedns-reload").start(() -> reloadQuietly(false)));
        shared.currentInstance(this::current);
    }

    public Shared shared() {
        return shared;
    }

    public ConfigSource source() {
        return source;
    }

    /**
     * Whether addresses another socket already serves may be shared (-ha: an HA pair or a surge
     * rollout, docs/operations.md); otherwise such an address is refused before anything binds.
     * Before start.
     */
    public synchronized void shareAddresses(boolean share) {
        shareAddresses = share;
    }

    /** Adds a lifecycle run around every configuration (prepared before the first bind, shut down last); before start. */
    public synchronized void addProcessLifecycle(Lifecycle lifecycle) {
        processLifecycles.add(lifecycle);
    }

    /** The check that gives the heap back once quiet after a burst ({@link HeapRelease}), to add as a process lifecycle. */
    public Lifecycle heapReleaseAfterBursts() {
        return heapRelease.afterBursts();
    }

    /**
     * Queries the listeners now serving counted, over every transport: the UDP loops' per-batch
     * counters (read without a lock of theirs) and each listener's TCP, DoT and DoH queries.
     */
    long queries() {
        long n = 0;
        for (Listener listener : listeners().values()) {
            n += listener.streamQueries();
            for (UdpLoop loop : listener.loops()) {
                n += loop.datagrams();
            }
        }
        return n;
    }

    /** Adds an HTTP route served whatever the Corefile says (node-cache's -metrics-listen-address); before start. */
    public synchronized void addProcessRoute(HttpRoute route) {
        processRoutes.add(route);
    }

    /** Loads the config and starts serving; throws with file:line on config errors, before binding. */
    public synchronized void start() throws ConfigException, IOException {
        start(() -> {});
    }

    /**
     * As {@link #start()}, running {@code beforeBind} once the config is set up and before anything
     * binds or touches the node: the process installs its signal handlers there, so a SIGTERM that
     * comes once DNS answers (while plugins still start, e.g. kubernetes waiting for an API server)
     * gets the lame duck and teardown, and a config error installs nothing.
     */
    public synchronized void start(Runnable beforeBind) throws ConfigException, IOException {
        List<ServerBlock> blocks = loadBlocks();
        Instance instance = Instance.build(blocks, registry, shared, defaultPort);
        beforeBind.run();
        try {
            for (Lifecycle lifecycle : processLifecycles) {
                lifecycle.prepare();
            }
            apply(instance);
            for (Lifecycle lifecycle : processLifecycles) {
                lifecycle.start();
            }
        } catch (Exception e) {
            processLifecycles.forEach(Lifecycle::stop);
            throw e instanceof IOException io ? io : new IOException(e.getMessage(), e);
        }
        digest = Corefile.digest(blocks);
        shared.configDigest(hex(digest));
        Log.info("", "loaded " + source.name() + ", configuration SHA512 = " + hex(digest));
    }

    /**
     * The source's server blocks; none is an error, since a process that serves nothing would
     * still print "started" and pass its probes' absence unnoticed.
     */
    private List<ServerBlock> loadBlocks() throws ConfigException {
        List<ServerBlock> blocks = source.load(registry::isKnown, env);
        if (blocks.isEmpty()) {
            throw new ConfigException(source.name(), 1, "no server block: the Corefile is empty (or only comments),"
                    + " so nothing would be served; add a server block: a line '.:53 {', its plugins one per line"
                    + " (e.g. 'forward . 8.8.8.8') and a line '}'");
        }
        return blocks;
    }

    /** Re-reads the source; returns true if a new config now serves. A failure keeps the old one. */
    public synchronized boolean reload() throws ConfigException, IOException {
        if (stopped) {
            return false;
        }
        List<ServerBlock> blocks = loadBlocks();
        byte[] newDigest = Corefile.digest(blocks);
        if (digest != null && Arrays.equals(digest, newDigest)) {
            return false;
        }
        Instance instance = Instance.build(blocks, registry, shared, defaultPort);
        apply(instance);
        digest = newDigest;
        shared.configDigest(hex(digest));
        return true;
    }

    /** The SHA-512 of the parsed config now serving (the reload plugin's version info). */
    public synchronized byte[] digest() {
        return digest == null ? null : digest.clone();
    }

    /**
     * A reload an operator asked for (SIGUSR1): unlike the reload plugin's periodic check it says
     * when nothing changed, so every signal leaves a line.
     */
    public void reloadOnSignal() {
        Thread.ofVirtual().name("nodedns-reload").start(() -> reloadQuietly(true));
    }

    private void reloadQuietly(boolean sayUnchanged) {
        try {
            if (reload()) {
                Log.info("reload", "Running configuration SHA512 = " + hex(digest()));
                // SerialGC promoted the replaced configuration (caches, plugin state) rather than
                // collect it: without a full GC RSS grew ~30 % over 100 reloads (docs/operations.md)
                heapRelease.now("reload", "reload");
            } else if (sayUnchanged && !isStopped()) {
                Log.info("reload",
                        source.name() + " unchanged, configuration SHA512 = " + hex(digest()) + "; nothing reloaded");
            }
        } catch (ConfigException e) {
            Log.error("reload", "Corefile changed but reload failed: " + e.getMessage());
            ReloadFailures.increment();
        } catch (IOException | RuntimeException e) {
            Log.error("reload", "Corefile changed but reload failed: " + e.getMessage());
            ReloadFailures.increment();
        }
    }

    private List<HttpRoute> routes(Instance instance) {
        List<HttpRoute> all = new ArrayList<>(processRoutes);
        if (instance != null) {
            all.addAll(instance.httpRoutes());
        }
        return all;
    }

    private void apply(Instance next) throws IOException {
        try {
            for (Lifecycle lifecycle : next.lifecycles()) {
                lifecycle.prepare(); // before any DNS or HTTP bind: addresses must exist
            }
        } catch (Exception e) {
            throw e instanceof IOException io ? io : new IOException(e.getMessage(), e);
        }
        PortProbe.refuseServedElsewhere(listeners.keySet(), next, routes(next), shared.http(), shareAddresses);
        shared.http().prepare(routes(next));
        Map<ListenAddress, Listener> kept = new HashMap<>();
        List<Listener> opened = new ArrayList<>();
        try {
            for (Instance.ListenerPlan plan : next.plans().values()) {
                Listener existing = listeners.get(plan.address());
                if (existing != null && existing.takes(plan.tls())
                        && (existing.settings().equals(plan.settings()) || existing.takesSettings(plan.settings()))) {
                    kept.put(plan.address(), existing);
                    continue;
                }
                Listener listener = new Listener(plan.address(), plan.settings(), plan.table(), shared, plan.tls());
                try {
                    listener.start(existing);
                } catch (IOException e) {
                    throw new IOException(e.getMessage() + " (server block " + origin(plan) + ")", e);
                }
                opened.add(listener);
            }
            previousLameDuck = shared.lameDuck();
            shared.lameDuck(java.time.Duration.ZERO); // the new config's health plugins set it again
            for (Lifecycle lifecycle : next.lifecycles()) {
                lifecycle.start();
            }
        } catch (Exception e) {
            shared.lameDuck(previousLameDuck);
            opened.forEach(Listener::close);
            for (Lifecycle lifecycle : next.lifecycles()) {
                lifecycle.stop();
            }
            shared.http().apply(routes(current));
            throw e instanceof IOException io ? io : new IOException(e.getMessage(), e);
        }
        // Swap: kept listeners get the new zone table with one volatile store each.
        Map<ListenAddress, Listener> nextListeners = new LinkedHashMap<>();
        for (Instance.ListenerPlan plan : next.plans().values()) {
            Listener listener = kept.get(plan.address());
            if (listener != null) {
                listener.routes(plan.table());
                if (!listener.settings().equals(plan.settings())) {
                    listener.settings(plan.settings());
                }
                listener.tls(plan.tls());
            } else {
                listener = opened.stream().filter(l -> l.address().equals(plan.address())).findFirst().orElseThrow();
                listener.takeTcpOver();
            }
            nextListeners.put(plan.address(), listener);
        }
        List<Listener> retired = new ArrayList<>();
        for (Map.Entry<ListenAddress, Listener> e : listeners.entrySet()) {
            if (nextListeners.get(e.getKey()) != e.getValue()) {
                retired.add(e.getValue());
            }
        }
        List<SocketStreamServer<?>> streams = Retirement.handStreamsOver(retired, nextListeners.values(),
                drainingStreams);
        Instance previous = current;
        current = next;
        listeners.clear();
        listeners.putAll(nextListeners);
        shared.listeners(new ArrayList<>(listeners.values()));
        shared.http().apply(routes(next));
        retire(previous, retired, streams);
    }

    /** FILE:LINE and key of the first block that asked for this address, so a bind failure points at the Corefile. */
    static String origin(Instance.ListenerPlan plan) {
        for (ServerConfig config : plan.configs()) {
            for (io.nodedns.config.ServerKey key : config.keys()) {
                if (key.port() == plan.address().port() && key.source() != null) {
                    return key.source().file() + ":" + key.source().line() + " " + key.source().text();
                }
            }
        }
        return plan.address().label();
    }

    /** The replaced plugins stop once the replaced listeners drained: their last queries run through them. */
    private void retire(Instance previous, List<Listener> retired, List<SocketStreamServer<?>> streams) {
        Retirement.handOver(retired);
        List<Lifecycle> stopping = previous == null ? List.of() : previous.lifecycles();
        if (retired.isEmpty()) {
            stopping.forEach(Lifecycle::stop);
        } else {
            Retirement.closeLater(retired, streams, stopping, heapRelease);
        }
    }

    /** Graceful stop: lame duck, stop reading, drain in-flight queries, stop plugins, close. */
    public void stop() {
        Instance instance;
        List<Listener> all;
        synchronized (this) {
            if (stopped) {
                return;
            }
            stopped = true;
            shared.shuttingDown(true);
            instance = current;
            all = new ArrayList<>(listeners.values());
        }
        sleep(shared.lameDuck());
        // leaving the SO_REUSEPORT group first: an HA peer sharing it gets our share of new queries
        // (alone, a UDP client is refused at once rather than left to time out); TCP, DoT and DoH stop
        // accepting at once with the socket filter and drain their connections (Retirement.finish)
        List<SocketStreamServer<?>> streams = Retirement.handStreamsOver(all, List.of(), drainingStreams);
        Retirement.handOver(all);
        Retirement.finish(all, streams, true);
        if (instance != null) {
            for (Lifecycle lifecycle : instance.lifecycles()) {
                lifecycle.stop();
            }
            for (Lifecycle lifecycle : instance.lifecycles()) {
                lifecycle.shutdown();
            }
        }
        for (Lifecycle lifecycle : processLifecycles) {
            lifecycle.stop();
        }
        for (Lifecycle lifecycle : processLifecycles) {
            lifecycle.shutdown();
        }
        Retirement.close(all, streams);
        shared.http().close();
    }

    private synchronized boolean isStopped() {
        return stopped;
    }

    /** Listeners now serving, by address, in the order the configuration declares them (start-up output, tests). */
    public synchronized Map<ListenAddress, Listener> listeners() {
        return Collections.unmodifiableMap(new LinkedHashMap<>(listeners));
    }

    /** The HTTP routes now served (the configuration's and the process's), for the start-up output. */
    public synchronized List<HttpRoute> httpRoutes() {
        return List.copyOf(routes(current));
    }

    public synchronized Instance current() {
        return current;
    }

    static void sleep(Duration d) {
        if (d.isZero() || d.isNegative()) {
            return;
        }
        try {
            Thread.sleep(d);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    static String hex(byte[] bytes) {
        StringBuilder sb = new StringBuilder();
        for (byte b : bytes) {
            sb.append(Character.forDigit((b >> 4) & 0xf, 16)).append(Character.forDigit(b & 0xf, 16));
        }
        return sb.toString();
    }
}
