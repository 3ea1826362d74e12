package io.nodedns;

import io.nodedns.config.ConfigException;
import io.nodedns.log.Log;
import io.nodedns.plugin.Plugins;
import io.nodedns.plugin.forward.ForwardHandler;
import io.nodedns.server.ConfigSource;
import io.nodedns.server.Handler;
import io.nodedns.server.HttpRoute;
import io.nodedns.server.Instance;
import io.nodedns.server.Listener;
import io.nodedns.server.PluginRegistry;
import io.nodedns.server.Server;
import io.nodedns.server.ServerConfig;
import io.nodedns.sys.Prelink;
import io.nodedns.upstream.Upstream;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.CountDownLatch;

/** Command line entry point: Go-flag style options like CoreDNS and node-cache. */
public final class Main {
    private Main() {}

    static {
        // The Kubernetes client logs every informer retry at INFO (once a second during an API
        // outage) and interrupt stack traces on shutdown; nodedns reports watcher state itself.
        System.setProperty("org.slf4j.simpleLogger.log.io.kubernetes.client", "warn");
    }

    public static void main(String[] args) {
        int status = run(args, System.out, System.err, System.in);
        Log.flush(2000); // log lines are written by a thread of their own (Log), which the exit would not wait for
        System.exit(status);
    }

    /** Runs until stopped by a signal; returns the exit code. */
    static int run(String[] argv, PrintStream out, PrintStream err, InputStream stdin) {
        Flags flags;
        try {
            flags = Flags.parse(argv);
        } catch (IllegalArgumentException e) {
            err.println(e.getMessage());
            err.println(Flags.USAGE);
            return 2;
        }
        PluginRegistry registry = Plugins.registry();
        if (flags.help()) {
            out.println(Flags.USAGE);
            return 0;
        }
        if (flags.version()) {
            out.println("nodedns-" + Version.get());
            out.println("java/" + Runtime.version() + " " + System.getProperty("os.name").toLowerCase() + "/"
                    + System.getProperty("os.arch"));
            return 0;
        }
        if (flags.plugins()) {
            out.println("Server types:\n  dns\n\nCaddyfile loaders:\n  flag\n  default\n\nOther plugins:");
            for (String name : registry.implementedInOrder()) {
                out.println("  dns." + name);
            }
            return 0;
        }
        // The FFM linking the UDP loops and forward need, on another thread while the Corefile is
        // parsed and the plugins set up (docs/operations.md "Start-up and JVM flags").
        Prelink.start();
        int defaultPort = flags.dnsPort() >= 0 ? flags.dnsPort() : 53;
        ConfigSource source;
        NodeCacheSync sync = null;
        try {
            if (flags.nodeCache() != null) {
                Path target = flags.nodeCache().target(flags.conf());
                sync = new NodeCacheSync(flags.nodeCache(), target, defaultPort, System::getenv);
                sync.renderAtStart();
                source = new ConfigSource.FileSource(target);
            } else {
                source = chooseSource(flags, stdin);
            }
        } catch (IOException | IllegalArgumentException e) {
            err.println("[FATAL] " + e.getMessage());
            return 1;
        }
        if (flags.warmup() != 0 && !warmUp(flags.warmup(), err)) {
            return 1;
        }
        Server server = new Server(registry, source, defaultPort, System::getenv);
        server.shareAddresses(flags.ha());
        server.addProcessLifecycle(server.heapReleaseAfterBursts());
        if (sync != null) {
            NodeCacheProcess.attach(server, flags.nodeCache(), defaultPort, sync);
        }
        CountDownLatch stopped = new CountDownLatch(1);
        try {
            server.start(() -> Signals.install(server, stopped));
        } catch (ConfigException e) {
            err.println("[FATAL] " + e.getMessage());
            return 1;
        } catch (IOException | RuntimeException e) {
            String message = String.valueOf(e.getMessage());
            err.println("[FATAL] " + (message.startsWith("listen ") ? message : "listen: " + message));
            return 1;
        }
        if (flags.pidfile() != null) {
            try {
                Files.writeString(Path.of(flags.pidfile()), ProcessHandle.current().pid() + "\n");
            } catch (IOException e) {
                err.println("[FATAL] Could not write pidfile: " + e.getMessage());
                server.stop();
                return 1;
            }
        }
        if (!flags.quiet()) {
            printStartup(out, server, describe(flags, source));
        }
        try {
            stopped.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (flags.pidfile() != null) {
            try {
                Files.deleteIfExists(Path.of(flags.pidfile()));
            } catch (IOException ignored) {
                // best effort
            }
        }
        return 0;
    }

    /**
     * Sends synthetic queries through a loopback-only copy of the pipeline before the real listeners
     * bind, so the JIT has compiled the query path when the first real query arrives
     * (docs/operations.md "Start-up and JVM flags"). An explicit {@code -warmup N} that cannot run
     * is a start failure (it needs only loopback, so failing means something is badly wrong); the
     * default one ({@code auto}) only logs why and serves cold, since a node's DNS must start.
     */
    private static boolean warmUp(int queries, PrintStream err) {
        try {
            Warmup.Result r = queries == Flags.AUTO_WARMUP
                    ? Warmup.untilCompiled(null)
                    : Warmup.run(queries, queries / 16, false, null);
            Log.info("", "warm-up: " + r);
            return true;
        } catch (IOException | ConfigException | RuntimeException e) {
            if (queries == Flags.AUTO_WARMUP) {
                Log.warning("", "warm-up skipped: " + e.getMessage());
                return true;
            }
            err.println("[FATAL] warm-up: " + e.getMessage());
            return false;
        }
    }

    private static ConfigSource chooseSource(Flags flags, InputStream stdin) throws IOException {
        if ("stdin".equals(flags.conf())) {
            return new ConfigSource.TextSource("stdin", new String(stdin.readAllBytes(), StandardCharsets.UTF_8));
        }
        if (flags.conf() != null) {
            return new ConfigSource.FileSource(Path.of(flags.conf()));
        }
        Path local = Path.of("Corefile");
        if (Files.isRegularFile(local)) {
            return new ConfigSource.FileSource(local);
        }
        int port = flags.dnsPort() >= 0 ? flags.dnsPort() : DefaultConfig.PORT;
        return new ConfigSource.TextSource("<built-in default>", DefaultConfig.text(port));
    }

    /** What the first start-up line says was loaded, and why that file (a ./Corefile wins silently otherwise). */
    static String describe(Flags flags, ConfigSource source) {
        if (flags.nodeCache() != null) {
            return source.name() + " (rendered from -basecorefile " + flags.nodeCache().baseCorefile() + ")";
        }
        if (flags.conf() != null) {
            return "stdin".equals(flags.conf()) ? "the Corefile on standard input" : source.name();
        }
        if (source instanceof ConfigSource.FileSource) {
            return "./Corefile (found in the working directory, so it replaces the built-in default; -conf FILE to choose)";
        }
        return "the built-in default configuration (no -conf and no ./Corefile)";
    }

    /**
     * Where it serves and what it depends on, in the order the configuration declares them: DNS
     * listeners, HTTP endpoints (health, ready, metrics) and each forward's upstreams.
     */
    private static void printStartup(PrintStream out, Server server, String loaded) {
        Log.flush(1000); // after the lines logged while starting
        out.println("nodedns-" + Version.get() + " serving " + loaded);
        for (Listener listener : server.listeners().values()) {
            for (String zone : listener.routes().zones()) {
                String host = listener.address().host();
                out.println(zone + ":" + listener.address().port() + (host.isEmpty() ? "" : " on " + host));
            }
        }
        for (HttpRoute route : server.httpRoutes()) {
            out.println("http " + route.address() + route.path());
        }
        Instance current = server.current();
        for (ServerConfig config : current.configs()) {
            for (Handler handler : config.handlers()) {
                if (handler instanceof ForwardHandler forward && forward.name().equals("forward")) {
                    StringBuilder to = new StringBuilder();
                    for (Upstream upstream : forward.table().get()) {
                        to.append(to.isEmpty() ? "" : ", ").append(upstream.label());
                    }
                    out.println("forward " + forward.config().from() + " to " + (to.isEmpty() ? "(no upstream)" : to));
                }
            }
        }
        Log.info("", "nodedns-" + Version.get() + " started");
    }
}
