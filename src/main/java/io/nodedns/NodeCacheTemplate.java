package io.nodedns;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.Locale;
import java.util.Map;
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
        return render(base, localIps, upstreamSvc, env, KubeDnsConfigMap.EMPTY, 53);
    }

    /**
     * As node-cache's updateCorefile: placeholders filled, upstreamNameservers (if any) in place of
     * {@code __PILLAR__UPSTREAM__SERVERS__} with the template's {@code force_tcp} dropped (custom
     * upstreams are asked over UDP there), and one block per stub domain appended.
     */
    static String render(String base, List<String> localIps, String upstreamSvc, Function<String, String> env,
            KubeDnsConfigMap kubeDns, int port) {
        String ips = String.join(" ", localIps);
        String out = base.replace(LOCAL_DNS, ips).replace(DNS_SERVER, "");
        if (out.contains(CLUSTER_DNS)) {
            String variable = serviceHostVariable(upstreamSvc);
            String value = env.apply(variable);
            if (value == null || value.isBlank()) {
                throw new IllegalArgumentException("the base Corefile uses " + CLUSTER_DNS + " but " + variable
                        + " is not set: Service '" + upstreamSvc
                        + "' must exist before this pod starts and the pod needs "
                        + "enableServiceLinks (or set " + variable + " yourself)");
            }
            if (io.nodedns.plugin.bind.IpLiteral.normalize(value.strip()) == null) {
                throw new IllegalArgumentException(variable + "=\"" + value + "\" is not an IP address");
            }
            out = out.replace(CLUSTER_DNS, value.strip());
        }
        if (kubeDns.upstreamNameservers().isEmpty()) {
            // node-cache's default when the kube-dns ConfigMap sets no upstreamNameservers.
            out = out.replace(UPSTREAM_SERVERS, "/etc/resolv.conf");
        } else {
            String servers = String.join(" ", kubeDns.upstreamNameservers());
            out = out.replace(TCP_UPSTREAM_BLOCK, "\n    forward . " + servers + "\n").replace(UPSTREAM_SERVERS,
                    servers);
        }
        StringBuilder text = new StringBuilder(out);
        for (Map.Entry<String, List<String>> stub : kubeDns.stubDomains().entrySet()) {
            text.append('\n').append(stub.getKey()).append(':').append(port)
                    .append(" {\n    errors\n    cache 30\n    bind ")
                    .append(ips).append("\n    forward . ").append(String.join(" ", stub.getValue())).append("\n}\n");
        }
        return text.toString();
    }

    /** The official template's upstream block, byte for byte, which node-cache swaps for a UDP one. */
    static final String TCP_UPSTREAM_BLOCK = "\n    forward . " + UPSTREAM_SERVERS
            + " {\n            force_tcp\n    }\n";

    /** Writes the rendered Corefile atomically (a reload never reads half a file). */
    static void writeAtomically(Path target, String text) throws IOException {
        Path dir = target.toAbsolutePath().getParent();
        Files.createDirectories(dir);
        Path tmp = Files.createTempFile(dir, ".Corefile", ".tmp");
        Files.writeString(tmp, text, StandardCharsets.UTF_8);
        Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }
}
