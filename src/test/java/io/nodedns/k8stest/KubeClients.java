package io.nodedns.k8stest;

import io.kubernetes.client.openapi.ApiClient;
import io.kubernetes.client.util.ClientBuilder;
import io.kubernetes.client.util.credentials.AccessTokenAuthentication;
import java.io.IOException;
import java.io.Reader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.SafeConstructor;

/** Client-side helpers for the stand-in: a kubeconfig file and ready-made official-client ApiClients. */
public final class KubeClients {
    /** Context, cluster and user name in the written kubeconfig. */
    public static final String CONTEXT = "nodedns-standin";

    private KubeClients() {}

    /**
     * Writes a kubeconfig whose current context points at {@code url} over plain HTTP with no credentials,
     * with {@code namespace} as the context's default namespace. Returns {@code file}.
     */
    public static Path writeKubeconfig(Path file, String url, String namespace) {
        String yaml = """
                apiVersion: v1
                kind: Config
                clusters:
                - name: %1$s
                  cluster:
                    server: %2$s
                contexts:
                - name: %1$s
                  context:
                    cluster: %1$s
                    user: %1$s
                    namespace: %3$s
                current-context: %1$s
                users:
                - name: %1$s
                  user: {}
                preferences: {}
                """.formatted(CONTEXT, url, namespace);
        try {
            Path parent = file.toAbsolutePath().getParent();
            if (parent != null) {
                Files.createDirectories(parent);
            }
            Files.writeString(file, yaml, StandardCharsets.UTF_8);
            return file;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * An ApiClient from a kubeconfig file's current context: server, insecure-skip-tls-verify,
     * certificate-authority-data and a bearer token are honoured; other credentials are rejected.
     *
     * <p>This does NOT use the client's {@code KubeConfig}: its static initializer registers the OIDC
     * authenticator, which needs jose4j, and the pom excludes jose4j, so {@code KubeConfig} (and
     * {@code ClientBuilder.kubeconfig/standard}, {@code Config.defaultClient}) throw NoClassDefFoundError here.
     */
    @SuppressWarnings("unchecked")
    public static ApiClient fromKubeconfig(Path file) {
        Map<String, Object> root;
        try (Reader r = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            root = new Yaml(new SafeConstructor(new LoaderOptions())).load(r);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        String contextName = (String) root.get("current-context");
        Map<String, Object> context = (Map<String, Object>) named(root, "contexts", contextName).get("context");
        Map<String, Object> cluster = (Map<String, Object>) named(root, "clusters", (String) context.get("cluster")).get("cluster");
        Map<String, Object> user = context.get("user") == null ? Map.of()
                : (Map<String, Object>) named(root, "users", (String) context.get("user")).getOrDefault("user", Map.of());
        ClientBuilder b = new ClientBuilder().setBasePath((String) cluster.get("server"))
                .setVerifyingSsl(!Boolean.TRUE.equals(cluster.get("insecure-skip-tls-verify")));
        if (cluster.get("certificate-authority-data") instanceof String ca) {
            b.setCertificateAuthority(Base64.getDecoder().decode(ca));
        }
        for (String key : (user == null ? Map.<String, Object>of() : user).keySet()) {
            if (!key.equals("token")) {
                throw new IllegalArgumentException("kubeconfig user field not supported by this helper: " + key);
            }
        }
        if (user != null && user.get("token") instanceof String token) {
            b.setAuthentication(new AccessTokenAuthentication(token));
        }
        return b.build();
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> named(Map<String, Object> root, String list, String name) {
        for (Object o : (List<Object>) root.getOrDefault(list, List.of())) {
            Map<String, Object> m = (Map<String, Object>) o;
            if (name != null && name.equals(m.get("name"))) {
                return m;
            }
        }
        throw new IllegalArgumentException("kubeconfig has no " + list + " entry named " + name);
    }

    /** An ApiClient for informers: read timeout 0 (SharedInformerFactory's constructor rejects anything else). */
    public static ApiClient informerClient(String url) {
        return apiClient(url, Duration.ZERO);
    }

    /**
     * A fresh ApiClient for {@code url} (no auth) with this read timeout (0 = none). Use
     * {@link #informerClient} for informers and a separate client for request/response calls.
     */
    public static ApiClient apiClient(String url, Duration readTimeout) {
        ApiClient c = new ClientBuilder().setBasePath(url).setVerifyingSsl(false)
                .setReadTimeout(readTimeout).build();
        c.setConnectTimeout(2_000);
        return c;
    }
}
