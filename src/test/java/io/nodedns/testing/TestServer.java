package io.nodedns.testing;

import io.nodedns.config.ConfigException;
import io.nodedns.plugin.Plugins;
import io.nodedns.server.ConfigSource;
import io.nodedns.server.PluginRegistry;
import io.nodedns.server.Server;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** Starts a real nodedns server in-process from Corefile text or a file; stop it with close(). */
public final class TestServer implements AutoCloseable {
    private final Server server;
    private final java.util.List<String> fatal = new java.util.concurrent.CopyOnWriteArrayList<>();

    private TestServer(ConfigSource source, Map<String, String> env, PluginRegistry registry)
            throws ConfigException, IOException {
        this.server = new Server(registry, source, 53, env::get);
        server.shared().onFatal((plugin, message) -> fatal.add("plugin/" + plugin + ": " + message)); // never exit the test JVM
        server.start();
    }

    private TestServer(ConfigSource source, Map<String, String> env) throws ConfigException, IOException {
        this(source, env, registry());
    }

    /** Starts with a registry of your own (for example {@link #registry()} plus a plugin under development). */
    public static TestServer fromText(String corefile, PluginRegistry registry) throws ConfigException, IOException {
        return new TestServer(new ConfigSource.TextSource("Corefile", corefile), Map.of(), registry);
    }

    /** Every shipped plugin plus the test-only {@link MarkerPlugin} at the end of the order. */
    public static PluginRegistry registry() {
        List<String> order = new ArrayList<>(PluginRegistry.ORDER);
        order.add(MarkerPlugin.NAME);
        return Plugins.registerAll(new PluginRegistry(order)).register(MarkerPlugin.NAME, MarkerPlugin.SETUP);
    }

    public static TestServer fromText(String corefile) throws ConfigException, IOException {
        return new TestServer(new ConfigSource.TextSource("Corefile", corefile), Map.of());
    }

    public static TestServer fromText(String corefile, Map<String, String> env) throws ConfigException, IOException {
        return new TestServer(new ConfigSource.TextSource("Corefile", corefile), env);
    }

    public static TestServer fromFile(Path file) throws ConfigException, IOException {
        return new TestServer(new ConfigSource.FileSource(file), Map.of());
    }

    /** A Corefile that a test rewrites and reloads, with a registry of your own. */
    public static TestServer fromFile(Path file, PluginRegistry registry) throws ConfigException, IOException {
        return new TestServer(new ConfigSource.FileSource(file), Map.of(), registry);
    }

    public Server server() {
        return server;
    }

    /** The first listener (a Corefile with one server block and port has only that one). */
    public io.nodedns.server.Listener firstListener() {
        return server.listeners().values().iterator().next();
    }

    /** The first UDP loop of the first listener (with {@code multisocket 1}, its only one). */
    public io.nodedns.server.UdpLoop firstLoop() {
        return firstListener().loops().getFirst();
    }

    @Override
    public void close() {
        server.stop();
    }

    /** What plugins reported as fatal (a real process would have exited), in order. */
    public java.util.List<String> fatalMessages() {
        return java.util.List.copyOf(fatal);
    }
}
