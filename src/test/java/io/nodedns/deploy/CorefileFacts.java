package io.nodedns.deploy;

import io.nodedns.config.ConfigException;
import io.nodedns.config.Corefile;
import io.nodedns.config.Directive;
import io.nodedns.config.ServerBlock;
import io.nodedns.config.ServerKey;
import io.nodedns.config.Token;
import io.nodedns.server.PluginRegistry;
import io.nodedns.testing.TestServer;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * What a manifest must agree with in one Corefile: the DNS ports, the health, ready and
 * prometheus addresses, the bind addresses and the plugins that read the Kubernetes API.
 */
record CorefileFacts(String name, Set<Integer> dnsPorts, List<Address> health, List<Address> ready,
        List<Address> prometheus, Set<String> binds, List<ApiNeed> apiNeeds) {

    /** HOST:PORT of an HTTP listener; host "" means every address. */
    record Address(String host, int port) {
        static Address parse(String text) {
            int colon = text.lastIndexOf(':');
            String host = colon < 0 ? text : text.substring(0, colon);
            int port = Integer.parseInt(text.substring(colon + 1));
            if (host.startsWith("[") && host.endsWith("]")) {
                host = host.substring(1, host.length() - 1);
            }
            return new Address(host.equals("localhost") ? "127.0.0.1" : host, port);
        }

        @Override
        public String toString() {
            return (host.isEmpty() ? "" : host.indexOf(':') >= 0 ? "[" + host + "]" : host) + ":" + port;
        }
    }

    /**
     * A permission one plugin needs: verbs on apiGroup/resource, in one namespace or, when
     * namespace is null, cluster-wide.
     */
    record ApiNeed(String plugin, String apiGroup, String resource, List<String> verbs, String namespace) {
    }

    private static final List<String> INFORMER = List.of("list", "watch");

    static CorefileFacts parse(String name, String text) throws ConfigException {
        PluginRegistry registry = TestServer.registry();
        List<ServerBlock> blocks = Corefile.parse(name, DeployUnit.fillPillars(text), registry::isKnown, k -> null);
        Set<Integer> ports = new LinkedHashSet<>();
        Set<Address> health = new LinkedHashSet<>();
        Set<Address> ready = new LinkedHashSet<>();
        Set<Address> prometheus = new LinkedHashSet<>();
        Set<String> binds = new LinkedHashSet<>();
        Set<ApiNeed> needs = new LinkedHashSet<>();
        for (ServerBlock block : blocks) {
            for (ServerKey key : ServerKey.parseAll(block.keys(), 53)) {
                if (key.scheme().equals("dns")) {
                    ports.add(key.port());
                }
            }
            for (Directive d : block.directives()) {
                List<String> args = d.args();
                switch (d.name()) {
                    case "health" -> health.add(Address.parse(args.isEmpty() ? ":8080" : args.get(0)));
                    case "ready" -> ready.add(Address.parse(args.isEmpty() ? ":8181" : args.get(0)));
                    case "prometheus" -> prometheus.add(Address.parse(args.isEmpty() ? "localhost:9153" : args.get(0)));
                    case "bind" -> binds.addAll(args);
                    case "kubeforward" -> needs.add(new ApiNeed("kubeforward", "discovery.k8s.io", "endpointslices",
                            List.of("get", "list", "watch"), option(d, "namespace", "kube-system")));
                    case "kubernetes" -> {
                        needs.add(new ApiNeed("kubernetes", "", "services", INFORMER, null));
                        needs.add(new ApiNeed("kubernetes", "discovery.k8s.io", "endpointslices", INFORMER, null));
                        needs.add(new ApiNeed("kubernetes", "", "namespaces", INFORMER, null));
                        if ("verified".equals(option(d, "pods", null))) {
                            needs.add(new ApiNeed("kubernetes", "", "pods", INFORMER, null));
                        }
                    }
                    case "multicluster" -> {
                        needs.add(
                                new ApiNeed("multicluster", "multicluster.x-k8s.io", "serviceimports", INFORMER, null));
                        needs.add(new ApiNeed("multicluster", "discovery.k8s.io", "endpointslices", INFORMER, null));
                        needs.add(new ApiNeed("multicluster", "", "namespaces", INFORMER, null));
                    }
                    default -> {
                    }
                }
            }
        }
        return new CorefileFacts(name, ports, List.copyOf(health), List.copyOf(ready), List.copyOf(prometheus), binds,
                List.copyOf(needs));
    }

    /** The first argument of property {@code name} inside the directive's block, or fallback. */
    private static String option(Directive d, String name, String fallback) {
        List<Token> tokens = d.tokens();
        for (int i = 1; i + 1 < tokens.size(); i++) {
            Token t = tokens.get(i);
            if (t.text().equals(name) && tokens.get(i - 1).endsLineBefore(t) && !t.endsLineBefore(tokens.get(i + 1))) {
                return tokens.get(i + 1).text();
            }
        }
        return fallback;
    }

    /** Every port some listener of this Corefile serves on (DNS, health, ready, metrics). */
    Set<Integer> servedPorts() {
        Set<Integer> out = new LinkedHashSet<>(dnsPorts);
        for (List<Address> list : List.of(health, ready, prometheus)) {
            for (Address a : list) {
                out.add(a.port());
            }
        }
        return out;
    }
}
