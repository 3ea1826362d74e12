package io.nodedns;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.Locale;
import java.util.function.Function;

/**
 * node-cache's Corefile rendering (app/configmap.go): the node-local-dns ConfigMap's Corefile with
 * the {@code __PILLAR__} placeholders the installer left filled in. Unlike node-cache, a missing
 * upstream Service address is an error naming the variable, never the text {@code <nil>}.
 */
final class NodeCacheTemplate {
    static final String LOCAL_DNS = "__PILLAR__LOCAL__DNS__";
    static final String DNS_SERVER = "__PILLAR__DNS__SERVER__";
    static final String CLUSTER_DNS = "__PILLAR__CLUSTER__DNS__";
    static final String UPSTREAM_SERVERS = "__PILLAR__UPSTREAM__SERVERS__";

    private NodeCacheTemplate() {}

    /** {@code kube-dns-upstream} → {@code KUBE_DNS_UPSTREAM_SERVICE_HOST}, as Kubernetes names service links. */
    static String serviceHostVariable(String service) {
        return service.replace('-', '_').toUpperCase(Locale.ROOT) + "_SERVICE_HOST";
    }

    static String render(String base, List<String> localIps, String upstreamSvc, Function<String, String> env) {
        String out = base.replace(LOCAL_DNS, String.join(" ", localIps)).replace(DNS_SERVER, "");
        if (out.contains(CLUSTER_DNS)) {
            String variable = serviceHostVariable(upstreamSvc);
            String value = env.apply(variable);
            if (value == null || value.isBlank()) {
                throw new IllegalArgumentException("the base Corefile uses " + CLUSTER_DNS + " but " + variable
                        + " is not set: Service '" + upstreamSvc + "' must exist before this pod starts and the pod needs "
                        + "enableServiceLinks (or set " + variable + " yourself)");
            }
            if (io.nodedns.plugin.bind.IpLiteral.normalize(value.strip()) == null) {
                throw new IllegalArgumentException(variable + "=\"" + value + "\" is not an IP address");
            }
            out = out.replace(CLUSTER_DNS, value.strip());
        }
        // node-cache's default when the kube-dns ConfigMap sets no upstreamNameservers.
        return out.replace(UPSTREAM_SERVERS, "/etc/resolv.conf");
    }

    /** Renders base into target atomically (a reload never reads half a file). */
    static void renderFile(Path base, Path target, List<String> localIps, String upstreamSvc, Function<String, String> env)
            throws IOException {
        String text = render(Files.readString(base, StandardCharsets.UTF_8), localIps, upstreamSvc, env);
        Path dir = target.toAbsolutePath().getParent();
        Files.createDirectories(dir);
        Path tmp = Files.createTempFile(dir, ".Corefile", ".tmp");
        Files.writeString(tmp, text, StandardCharsets.UTF_8);
        Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }
}
