package io.nodedns.plugin.kubeforward;

import io.nodedns.config.ConfigException;
import io.nodedns.config.Directive;
import io.nodedns.config.Dispenser;
import io.nodedns.config.Token;
import io.nodedns.k8s.Backoff;
import io.nodedns.k8s.HostPorts;
import io.nodedns.k8s.KubeClientConfig;
import io.nodedns.k8s.WatcherRegistry;
import io.nodedns.plugin.forward.ForwardConfig;
import io.nodedns.plugin.forward.ForwardHandler;
import io.nodedns.plugin.forward.ForwardMetrics;
import io.nodedns.plugin.forward.ForwardSetup;
import io.nodedns.server.PluginSetup;
import io.nodedns.server.SetupContext;
import io.nodedns.upstream.Upstream;
import io.nodedns.upstream.UpstreamTable;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import java.util.regex.Pattern;

/**
 * {@code kubeforward [FROM...] { namespace NS; service_name NAME; ...; every forward option }}:
 * forwards to the ready endpoints of one Service, read from its EndpointSlices (docs/plugins/kubeforward.md).
 */
public final class KubeforwardSetup implements PluginSetup {
    static final String NAME = "kubeforward";
    private static final Pattern DNS_LABEL = Pattern.compile("[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?");
    private static final Pattern PORT_NAME = Pattern.compile("[a-z0-9]([-a-z0-9]{0,13}[a-z0-9])?");

    private final Map<String, String> env;
    private final Supplier<Backoff> backoffs;

    /** {@code env}: the process environment ($KUBECONFIG, KUBERNETES_SERVICE_HOST), or a test's. */
    public KubeforwardSetup(Map<String, String> env) {
        this(env, Backoff::new);
    }

    /**
     * With the watchers' retry schedule from {@code backoffs}: tests scale it down to see several
     * steps, a reset and a recovery in seconds instead of waiting for the production steps.
     */
    public KubeforwardSetup(Map<String, String> env, Supplier<Backoff> backoffs) {
        this.env = Map.copyOf(env);
        this.backoffs = backoffs;
    }

    @Override
    public void setup(SetupContext ctx) throws ConfigException {
        WatcherRegistry registry = ctx.shared().state(WatcherRegistry.KEY, k -> new WatcherRegistry(backoffs));
        ctx.shared().metrics(KubeforwardMetrics.KEY, k -> new KubeforwardMetrics(registry)); // once per process: the collector outlives reloads
        List<KubeforwardBinding> bindings = new ArrayList<>();
        List<ForwardHandler> handlers = new ArrayList<>();
        for (Directive d : ctx.occurrences()) {
            KubeforwardConfig c = parse(d.dispenser());
            KubeClientConfig client;
            try {
                client = KubeClientConfig.resolve(c.kubeconfig(), c.context(), env);
                client.check();
            } catch (IOException e) {
                throw d.pluginErr(c.at(), e.getMessage());
            }
            List<UpstreamTable> tables = new ArrayList<>();
            for (ForwardConfig f : c.forwards()) {
                UpstreamTable t = new UpstreamTable(a -> new Upstream(a, f.connOptions()));
                tables.add(t);
                handlers.add(new ForwardHandler(f, NAME, t));
            }
            bindings.add(new KubeforwardBinding(c, client, registry, tables));
        }
        for (KubeforwardBinding b : bindings) {
            ctx.addLifecycle(b); // before the handlers: tables are filled before anything serves
            ctx.addReadiness(b);
        }
        for (ForwardHandler h : handlers) {
            ctx.addHandler(h);
            ctx.addLifecycle(h);
            ctx.addMetrics(new ForwardMetrics(h));
        }
        ctx.addLifecycle(new io.nodedns.server.Lifecycle() {
            @Override
            public void shutdown() {
                registry.shutdown();
            }
        });
        ctx.allowAnyClass();
    }

    /** Parses one occurrence; the dispenser stands before the directive name. */
    public static KubeforwardConfig parse(Dispenser d) throws ConfigException {
        d.next();
        Token at = d.token();
        LinkedHashSet<String> froms = new LinkedHashSet<>(d.zoneArgs(List.of(".")));
        ForwardSetup.Options o = new ForwardSetup.Options();
        String namespace = null;
        String service = null;
        String portName = null;
        Path kubeconfig = null;
        String context = null;
        Path snapshot = null;
        List<InetSocketAddress> fallback = new ArrayList<>();
        while (d.nextBlock()) {
            switch (d.val()) {
                case "namespace" -> namespace = name(d, DNS_LABEL, "namespace");
                case "service_name" -> service = name(d, DNS_LABEL, "service_name");
                case "port_name" -> portName = name(d, PORT_NAME, "port_name");
                case "kubeconfig" -> {
                    kubeconfig = Path.of(d.requireArg());
                    context = d.nextArg() ? d.val() : null;
                    d.requireNoMoreArgs();
                }
                case "snapshot" -> {
                    snapshot = Path.of(d.requireArg());
                    d.requireNoMoreArgs();
                }
                case "fallback" -> {
                    for (Token t : d.requireArgTokens()) {
                        InetSocketAddress a = HostPorts.parse(t.text(), 53);
                        if (a == null) {
                            throw d.pluginErr(t, "fallback: not an IP address with an"
                                    + " optional port: '" + t.text() + "'");
                        }
                        if (!fallback.contains(a)) {
                            fallback.add(a);
                        }
                    }
                }
                default -> {
                    if (!o.parse(d)) {
                        throw d.unknownProperty();
                    }
                }
            }
        }
        if (namespace == null) {
            throw d.pluginErr(at, "'namespace' is required");
        }
        if (service == null) {
            throw d.pluginErr(at, "'service_name' is required");
        }
        o.check();
        List<ForwardConfig> forwards = new ArrayList<>();
        for (String from : froms) {
            forwards.add(o.build(from, List.of()));
        }
        return new KubeforwardConfig(forwards, namespace, service, portName, kubeconfig, context, fallback, snapshot,
                at);
    }

    private static String name(Dispenser d, Pattern p, String what) throws ConfigException {
        String v = d.requireArg();
        if (!p.matcher(v).matches()) {
            throw d.pluginErr(what + ": invalid name '" + v + "'");
        }
        d.requireNoMoreArgs();
        return v;
    }
}
