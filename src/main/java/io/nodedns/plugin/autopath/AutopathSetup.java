package io.nodedns.plugin.autopath;

import io.nodedns.config.ConfigException;
import io.nodedns.config.Dispenser;
import io.nodedns.config.Token;
import io.nodedns.config.Zones;
import io.nodedns.k8s.dns.DiscoveryHandler;
import io.nodedns.server.Handler;
import io.nodedns.server.Lifecycle;
import io.nodedns.server.PluginSetup;
import io.nodedns.server.SetupContext;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * {@code autopath [ZONE...] RESOLV-CONF}, once per block (CoreDNS plugin/autopath). RESOLV-CONF is
 * a resolv.conf-style file whose search line is every client's path, or {@code @kubernetes}: the
 * path of the client pod, from the block's kubernetes plugin, which must keep pods
 * ({@code pods verified}).
 */
public final class AutopathSetup implements PluginSetup {
    static final String NAME = "autopath";
    /** The one plugin that offers search paths (CoreDNS's AutoPather). */
    static final String KUBERNETES = "kubernetes";

    private final Path hostResolvConf;

    public AutopathSetup() {
        this(Path.of("/etc/resolv.conf"));
    }

    /** With the node's resolv.conf elsewhere (tests): its search domains end a pod's path. */
    public AutopathSetup(Path hostResolvConf) {
        this.hostResolvConf = hostResolvConf;
    }

    @Override
    public void setup(SetupContext ctx) throws ConfigException {
        Dispenser d = ctx.once().dispenser();
        AutopathConfig config = parse(d, ctx.zones());
        if (config.plugin() != null && !config.plugin().equals(KUBERNETES)) {
            throw d.pluginErr(config.at(), ctx.block().directiveNames().contains(config.plugin())
                    ? config.plugin() + " does not implement the AutoPather interface"
                    : "@" + config.plugin() + ": only @kubernetes gives search paths");
        }
        if (config.plugin() != null && !ctx.block().directiveNames().contains(KUBERNETES)) {
            throw d.pluginErr(config.at(), "@kubernetes needs the kubernetes plugin in the same server block");
        }
        AutopathMetrics metrics = ctx.shared().metrics(AutopathMetrics.KEY, k -> new AutopathMetrics()); // series survive reloads
        String server = ctx.listenLabels(ctx.keys().getFirst().port()).getFirst();
        AutopathHandler handler = new AutopathHandler(config.zones(),
                config.plugin() == null ? new FileSearchPath(config.search()) : null, metrics.adder(server));
        if (config.plugin() != null) {
            List<Handler> block = ctx.blockHandlers();
            List<String> hostSearch = hostSearch(hostResolvConf);
            ctx.addLifecycle(new Lifecycle() {
                /** The kubernetes handler exists once the block is set up; before anything binds. */
                @Override
                public void prepare() throws ConfigException {
                    handler.search(new PodSearchPath(kubernetes(block, config.at()), hostSearch));
                }
            });
        }
        ctx.addHandler(handler);
    }

    /** The block's kubernetes handler, which must keep pods: without them no client is known. */
    static DiscoveryHandler kubernetes(List<Handler> block, Token at) throws ConfigException {
        for (Handler h : block) {
            if (h instanceof DiscoveryHandler k && h.name().equals(KUBERNETES)) {
                if (!k.watchesPods()) {
                    throw ConfigException.plugin(NAME, at,
                            "@kubernetes needs 'pods verified' in the kubernetes plugin (it finds the client's namespace)");
                }
                return k;
            }
        }
        throw ConfigException.plugin(NAME, at, "@kubernetes needs the kubernetes plugin in the same server block");
    }

    static AutopathConfig parse(Dispenser d, List<String> blockZones) throws ConfigException {
        d.next();
        Token at = d.token();
        List<Token> args = d.remainingArgTokens();
        if (args.isEmpty()) {
            throw d.pluginErr(at, "no resolv-conf specified");
        }
        if (d.nextBlock()) {
            throw d.unknownProperty();
        }
        List<String> zones = new ArrayList<>();
        for (Token t : args.subList(0, args.size() - 1)) {
            zones.addAll(Zones.normalize(t));
        }
        if (zones.isEmpty()) {
            zones.addAll(blockZones);
        }
        Token resolv = args.getLast();
        if (resolv.text().startsWith("@")) {
            if (resolv.text().length() == 1) {
                throw d.pluginErr(resolv, "'@' names no plugin");
            }
            return new AutopathConfig(List.copyOf(zones), resolv.text().substring(1), List.of(), at);
        }
        return new AutopathConfig(List.copyOf(zones), null, search(d, resolv), at);
    }

    /**
     * The search domains of a resolv.conf-style file as miekg/dns's ClientConfigFromFile reads
     * them (the last {@code search} or {@code domain} line wins), normalized; at least one.
     */
    private static List<String> search(Dispenser d, Token file) throws ConfigException {
        List<String> search;
        try {
            search = searchLine(Path.of(file.text()));
        } catch (NoSuchFileException e) {
            throw d.pluginErr(file, "failed to parse \"" + file.text() + "\": open " + file.text()
                    + ": no such file or directory");
        } catch (IOException e) {
            throw d.pluginErr(file, "failed to parse \"" + file.text() + "\": " + e.getMessage());
        }
        if (search.isEmpty()) { // CoreDNS would then act on every name with a path of ""
            throw d.pluginErr(file, "\"" + file.text() + "\" has no search or domain line");
        }
        for (String s : search) {
            if (!Zones.isValidDomainName(s)) {
                throw d.pluginErr(file, "\"" + file.text() + "\": search domain '" + s + "' is not a domain name");
            }
        }
        return search;
    }

    /** The node's search domains (CoreDNS's kubernetes reads /etc/resolv.conf too); none if unreadable. */
    static List<String> hostSearch(Path resolvConf) {
        try {
            List<String> out = new ArrayList<>();
            for (String s : searchLine(resolvConf)) {
                if (Zones.isValidDomainName(s)) {
                    out.add(s);
                }
            }
            return out;
        } catch (IOException e) {
            return List.of(); // as CoreDNS's searchFromResolvConf
        }
    }

    private static List<String> searchLine(Path file) throws IOException {
        List<String> search = List.of();
        for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
            String[] f = line.strip().split("\\s+");
            if (f[0].equals("search")) {
                search = new ArrayList<>();
                for (int i = 1; i < f.length; i++) {
                    search.add(fqdn(f[i]));
                }
            } else if (f[0].equals("domain") && f.length > 1) {
                search = List.of(fqdn(f[1]));
            }
        }
        return List.copyOf(search);
    }

    private static String fqdn(String name) {
        String lower = name.toLowerCase(Locale.ROOT);
        return lower.endsWith(".") ? lower : lower + ".";
    }
}
