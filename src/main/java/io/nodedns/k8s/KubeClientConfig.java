package io.nodedns.k8s;

import io.kubernetes.client.openapi.ApiClient;
import io.kubernetes.client.util.ClientBuilder;
import java.io.IOException;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/**
 * Where the Kubernetes client connects: an explicit kubeconfig file (and optional context), else the
 * in-cluster service account, else the file named by {@code $KUBECONFIG}. {@link #key()} tells
 * equal sources apart so watchers can be shared.
 */
public record KubeClientConfig(Path kubeconfig, String context) {
    static final Path SERVICE_ACCOUNT_TOKEN = Path.of("/var/run/secrets/kubernetes.io/serviceaccount/token");

    /** The explicit file, or the environment's choice; throws if there is none. */
    public static KubeClientConfig resolve(Path kubeconfig, String context, Map<String, String> env) throws IOException {
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
        return kubeconfig == null;
    }

    public String key() {
        return inCluster() ? "in-cluster" : kubeconfig + (context == null ? "" : "#" + context);
    }

    /** Checks that the kubeconfig can be read and names the context (setup time). */
    public void check() throws IOException {
        if (!inCluster()) {
            load();
        }
    }

    /** A fresh client; each informer gets its own (the factory sets its read timeout to 0). */
    public ApiClient newClient() throws IOException {
        ApiClient c = inCluster() ? ClientBuilder.cluster().build() : load().build();
        c.setConnectTimeout(5_000);
        return c;
    }

    /**
     * Reads the kubeconfig itself (client-java's KubeConfig class cannot load without jose4j, which
     * the build excludes): the context's cluster server, CA, insecure flag and a bearer token or token file.
     */
    @SuppressWarnings("unchecked")
    private ClientBuilder load() throws IOException {
        Map<String, Object> doc;
        try (Reader r = Files.newBufferedReader(kubeconfig, StandardCharsets.UTF_8)) {
            Object o = new org.yaml.snakeyaml.Yaml().load(r);
            if (!(o instanceof Map)) {
                throw new IOException("kubeconfig " + kubeconfig + ": not a YAML mapping");
            }
            doc = (Map<String, Object>) o;
        } catch (java.nio.file.NoSuchFileException e) {
            throw new IOException("kubeconfig " + kubeconfig + " does not exist", e);
        } catch (java.nio.file.AccessDeniedException e) {
            throw new IOException("kubeconfig " + kubeconfig + " cannot be read: permission denied", e);
        } catch (RuntimeException e) {
            throw new IOException("kubeconfig " + kubeconfig + ": " + e.getMessage(), e);
        }
        String ctxName = context != null ? context : (String) doc.get("current-context");
        Map<String, Object> ctx = named(doc, "contexts", ctxName, "context");
        if (ctx == null) {
            throw new IOException("kubeconfig " + kubeconfig + " has no context '" + ctxName + "'");
        }
        Map<String, Object> cluster = named(doc, "clusters", (String) ctx.get("cluster"), "cluster");
        if (cluster == null || cluster.get("server") == null) {
            throw new IOException("kubeconfig " + kubeconfig + ": context '" + ctxName + "' has no cluster server");
        }
        Map<String, Object> user = named(doc, "users", (String) ctx.get("user"), "user");
        ClientBuilder b = new ClientBuilder().setBasePath(String.valueOf(cluster.get("server")))
                .setVerifyingSsl(!Boolean.TRUE.equals(cluster.get("insecure-skip-tls-verify")));
        if (cluster.get("certificate-authority-data") instanceof String data) {
            b.setCertificateAuthority(java.util.Base64.getMimeDecoder().decode(data));
        } else if (cluster.get("certificate-authority") instanceof String file) {
            b.setCertificateAuthority(Files.readAllBytes(relative(file)));
        }
        if (user != null) {
            if (user.get("token") instanceof String token) {
                b.setAuthentication(new io.kubernetes.client.util.credentials.AccessTokenAuthentication(token));
            } else if (user.get("tokenFile") instanceof String file) {
                b.setAuthentication(new io.kubernetes.client.util.credentials.TokenFileAuthentication(
                        relative(file).toString()));
            }
        }
        return b;
    }

    private Path relative(String file) {
        Path p = Path.of(file);
        return p.isAbsolute() ? p : kubeconfig.getParent().resolve(p);
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> named(Map<String, Object> doc, String list, String name, String field) {
        if (name == null || !(doc.get(list) instanceof java.util.List<?> entries)) {
            return null;
        }
        for (Object e : entries) {
            if (e instanceof Map<?, ?> m && name.equals(m.get("name"))) {
                Object v = m.get(field);
                return v instanceof Map<?, ?> ? (Map<String, Object>) v : Map.of();
            }
        }
        return null;
    }
}
