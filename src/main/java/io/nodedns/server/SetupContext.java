package io.nodedns.server;

import io.nodedns.config.ConfigException;
import io.nodedns.config.Directive;
import io.nodedns.config.Dispenser;
import io.nodedns.config.ServerBlock;
import io.nodedns.config.ServerKey;
import java.util.ArrayList;
import java.util.List;

/**
 * What a plugin's setup sees of its server block, and what it may contribute: a chain handler,
 * lifecycle callbacks, readiness, listen hosts (bind) and listener settings (timeouts,
 * multisocket). One context per block; the instance builder hands it to each directive in order.
 */
public final class SetupContext {
    private final ServerBlock block;
    private final List<ServerKey> keys;
    private final List<String> zones;
    private final Shared shared;
    private final List<Handler> handlers = new ArrayList<>();
    private final List<Lifecycle> lifecycles = new ArrayList<>();
    private final List<MetricSource> metrics = new ArrayList<>();
    private final List<Readiness> readiness = new ArrayList<>();
    private final List<MetadataProvider> metadataProviders = new ArrayList<>();
    private final List<String> listenHosts = new ArrayList<>();
    private final List<HttpRoute> httpRoutes = new ArrayList<>();
    private ListenerSettings settings;
    private boolean allowsAnyClass;
    private io.nodedns.tls.ServerTls serverTls;
    private String directive;
    private List<Directive> occurrences = List.of();

    private java.util.Map<String, Object> buildState = new java.util.HashMap<>();

    /** State shared by all blocks of one configuration load (e.g. one ready endpoint per address). */
    public java.util.Map<String, Object> buildState() {
        return buildState;
    }

    void buildState(java.util.Map<String, Object> state) {
        this.buildState = state;
    }

    SetupContext(ServerBlock block, List<ServerKey> keys, Shared shared) {
        this.block = block;
        this.keys = List.copyOf(keys);
        this.zones = keys.stream().map(ServerKey::zone).distinct().toList();
        this.shared = shared;
        this.settings = ListenerSettings.defaults();
    }

    void select(String name) {
        this.directive = name;
        this.occurrences = block.directives(name);
    }

    public ServerBlock block() {
        return block;
    }

    /** The block's keys, normalized, in order (CIDR keys already expanded). */
    public List<ServerKey> keys() {
        return keys;
    }

    /** The block's zones (lower case, fully qualified), in key order, without duplicates. */
    public List<String> zones() {
        return zones;
    }

    public Shared shared() {
        return shared;
    }

    /** The occurrences of the directive being set up, in Corefile order. */
    public List<Directive> occurrences() {
        return occurrences;
    }

    /** The single occurrence of a directive CoreDNS allows once per block; errors at the second one. */
    public Directive once() throws ConfigException {
        if (occurrences.size() > 1) {
            throw occurrences.get(1).pluginErr(occurrences.get(1).nameToken(),
                    "this plugin can only be used once per Server Block");
        }
        return occurrences.getFirst();
    }

    /**
     * Parses the occurrences in Corefile order, each from the config the ones before it left (for a
     * directive that may appear several times: {@code log}, {@code bind}, {@code local}, {@code dns64}).
     */
    public <C> C parseEach(C initial, OccurrenceParser<C> parser) throws ConfigException {
        C config = initial;
        for (Directive occurrence : occurrences) {
            config = parser.parse(occurrence.dispenser(), config);
        }
        return config;
    }

    /** One occurrence's parse: its dispenser (before the name) and the config so far in, the config with it out. */
    @FunctionalInterface
    public interface OccurrenceParser<C> {
        C parse(Dispenser d, C previous) throws ConfigException;
    }

    /** For a directive that takes nothing: fails at the first occurrence with an argument or a block. */
    public void requireBare() throws ConfigException {
        for (Directive occurrence : occurrences) {
            Dispenser d = occurrence.dispenser();
            d.next();
            d.requireBare();
        }
    }

    public void addHandler(Handler handler) {
        handlers.add(handler);
    }

    public void addLifecycle(Lifecycle lifecycle) {
        lifecycles.add(lifecycle);
    }

    /** Series of a plugin instance of this block, read while its configuration serves. */
    public void addMetrics(MetricSource source) {
        metrics.add(source);
    }

    /**
     * A live view of the block's handlers, complete once setup has finished: for plugins that use a
     * later plugin of their block at start (k8s_external and autopath use kubernetes, as CoreDNS's
     * {@code dnsserver.GetConfig(c).Handler}).
     */
    public List<Handler> blockHandlers() {
        return java.util.Collections.unmodifiableList(handlers);
    }

    /** A live view of the readiness reporters of this block, complete once setup has finished. */
    public List<Readiness> blockReadiness() {
        return java.util.Collections.unmodifiableList(readiness);
    }

    public void addReadiness(Readiness r) {
        readiness.add(r);
    }

    /** Offers metadata for the block's queries (CoreDNS's metadata.Provider); the metadata plugin asks. */
    public void addMetadataProvider(MetadataProvider provider) {
        metadataProviders.add(provider);
    }

    /** A live view of the block's metadata providers, complete once setup has finished. */
    public List<MetadataProvider> blockMetadataProviders() {
        return java.util.Collections.unmodifiableList(metadataProviders);
    }

    /** Serves an HTTP path on an address (health, ready, metrics); listeners survive reloads. */
    public void addHttpRoute(HttpRoute route) {
        io.nodedns.config.Token at = occurrences.isEmpty() ? null : occurrences.getFirst().nameToken();
        httpRoutes.add(route.origin() != null || at == null
                ? route
                : new HttpRoute(route.address(), route.path(), route.handler(),
                        at.file() + ":" + at.line() + " " + directive));
    }

    public void addListenHosts(List<String> hosts) {
        listenHosts.addAll(hosts);
    }

    /** The metrics "server" labels this block listens under for a port (after bind ran). */
    public List<String> listenLabels(int port) {
        List<String> hosts = listenHosts.isEmpty() ? List.of("") : listenHosts;
        String scheme = keys.getFirst().scheme();
        return hosts.stream().map(h -> new ListenAddress(h, port, scheme).label()).toList();
    }

    /** The block's server certificate and client policy (the tls plugin), or null: cleartext, as in CoreDNS. */
    public io.nodedns.tls.ServerTls serverTls() {
        return serverTls;
    }

    public void serverTls(io.nodedns.tls.ServerTls tls) {
        this.serverTls = tls;
    }

    public ListenerSettings settings() {
        return settings;
    }

    public void settings(ListenerSettings newSettings) {
        this.settings = newSettings;
    }

    /** Lets non-IN classes reach this block (forward does, CoreDNS core/dnsserver, before the chain). */
    public void allowAnyClass() {
        this.allowsAnyClass = true;
    }

    List<Handler> handlers() {
        return handlers;
    }

    List<Lifecycle> lifecycles() {
        return lifecycles;
    }

    List<MetricSource> metrics() {
        return metrics;
    }

    List<Readiness> readiness() {
        return readiness;
    }

    List<String> listenHosts() {
        return listenHosts;
    }

    /** The addresses bind set for this block so far (empty: all addresses); nodecache reads them. */
    public List<String> boundHosts() {
        return java.util.Collections.unmodifiableList(listenHosts);
    }

    List<HttpRoute> httpRoutes() {
        return httpRoutes;
    }

    boolean allowsAnyClass() {
        return allowsAnyClass;
    }
}
