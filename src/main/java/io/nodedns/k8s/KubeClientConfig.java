package io.nodedns.k8s;

import io.kubernetes.client.openapi.ApiClient;
import io.kubernetes.client.util.ClientBuilder;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/**
 * Where the Kubernetes client connects: an explicit kubeconfig file (and optional context), else the
 * in-cluster service account, else the file named by {@code $KUBECONFIG}. {@link #key()} tells
 * equal sources apart so watchers can be shared.
 */
public record KubeClientConfig(Path kubeconfig, String context, Endpoint endpoint, RequestLimits limits) {
    /** CoreDNS's {@code endpoint URL} and {@code tls CERT KEY CACERT}: files null when {@code tls} is absent. */
    public record Endpoint(java.net.URI server, Path cert, Path key, Path ca) {
    }

    public KubeClientConfig(Path kubeconfig, String context) {
        this(kubeconfig, context, null, null);
    }

    /** The same source, every request through {@code limits} (null: none). */
    public KubeClientConfig withLimits(RequestLimits limits) {
        return new KubeClientConfig(kubeconfig, context, endpoint, limits);
    }

    /** An API server named by URL, with an optional client certificate and CA. */
    public static KubeClientConfig endpoint(Endpoint endpoint) {
        return new KubeClientConfig(null, null, endpoint, null);
    }

    static final Path SERVICE_ACCOUNT_TOKEN = Path.of("/var/run/secrets/kubernetes.io/serviceaccount/token");

    /** The explicit file, or the environment's choice; throws if there is none. */
    public static KubeClientConfig resolve(Path kubeconfig, String context, Map<String, String> env)
            throws IOException {
        if (kubeconfig != null) {
            return new KubeClientConfig(kubeconfig.toAbsolutePath().normalize(), context);
        }
        if (env.get("KUBERNETES_SERVICE_HOST") != null && Files.isReadable(SERVICE_ACCOUNT_TOKEN)) {
            return new KubeClientConfig(null, null);
        }
        String file = env.get("KUBECONFIG");
        if (file != null && !file.isBlank()) {
            String first = file.split(java.io.File.pathSeparator)[0];
            return new KubeClientConfig(Path.of(first).toAbsolutePath().normalize(), null);
        }
        throw new IOException("no Kubernetes client configuration: not in a cluster (no service account) and"
                + " neither 'kubeconfig' nor $KUBECONFIG is set");
    }

    public boolean inCluster() {
        return kubeconfig == null && endpoint == null;
    }

    public String key() {
        String source = endpoint != null
                ? "endpoint " + endpoint
                : inCluster() ? "in-cluster" : kubeconfig + (context == null ? "" : "#" + context);
        return limits == null ? source : source + " " + limits;
    }

    /** Reads and checks the kubeconfig completely (setup time): every error names the file, entry and field. */
    public void check() throws IOException {
        if (endpoint != null) {
            load();
        } else if (!inCluster()) {
            Kubeconfig.load(kubeconfig, context);
        }
    }

    /**
     * A fresh client with its own connection pool (the kubeconfig is read again, so a rotated
     * certificate file is picked up by the next watcher started).
     */
    public ApiClient newClient() throws IOException {
        ApiClient c;
        if (inCluster()) {
            c = ClientBuilder.cluster().build();
            c.setConnectTimeout(5_000);
        } else {
            c = KubeHttp.client(load());
        }
        if (limits != null) {
            c.setHttpClient(c.getHttpClient().newBuilder().addInterceptor(limits).build());
        }
        return c;
    }

    private Kubeconfig load() throws IOException {
        return endpoint != null
                ? Kubeconfig.endpoint(endpoint.server(), endpoint.cert(), endpoint.key(), endpoint.ca())
                : Kubeconfig.load(kubeconfig, context);
    }
}
