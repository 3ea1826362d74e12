package io.nodedns.k8stest;

import io.kubernetes.client.openapi.ApiClient;
import io.kubernetes.client.util.ClientBuilder;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

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
     * Writes a kubeconfig whose current context {@link #CONTEXT} points at {@code url} with these extra
     * cluster fields (certificate-authority-data, tls-server-name, ...) and user fields (token, exec, ...).
     */
    public static Path writeKubeconfig(Path file, String url, Map<String, ?> cluster, Map<String, ?> user) {
        Map<String, Object> c = new LinkedHashMap<>();
        c.put("server", url);
        c.putAll(cluster);
        Map<String, Object> doc = new LinkedHashMap<>();
        doc.put("apiVersion", "v1");
        doc.put("kind", "Config");
        doc.put("clusters", List.of(Map.of("name", CONTEXT, "cluster", c)));
        doc.put("contexts", List.of(Map.of("name", CONTEXT, "context", Map.of("cluster", CONTEXT, "user", CONTEXT,
                "namespace", "default"))));
        doc.put("current-context", CONTEXT);
        doc.put("users", List.of(Map.of("name", CONTEXT, "user", new LinkedHashMap<>(user))));
        try {
            Path parent = file.toAbsolutePath().getParent();
            if (parent != null) {
                Files.createDirectories(parent);
            }
            Files.writeString(file, new org.yaml.snakeyaml.Yaml().dump(doc), StandardCharsets.UTF_8);
            return file;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** base64 of the text, as kubeconfig *-data fields hold it. */
    public static String b64(String text) {
        return java.util.Base64.getEncoder().encodeToString(text.getBytes(StandardCharsets.UTF_8));
    }

    /**
     * An ApiClient from a kubeconfig file's current context, read by kubeforward's own reader.
     *
     * <p>This does NOT use the client's {@code KubeConfig}: its static initializer registers the OIDC
     * authenticator, which needs jose4j, and the pom excludes jose4j, so {@code KubeConfig} (and
     * {@code ClientBuilder.kubeconfig/standard}, {@code Config.defaultClient}) throw NoClassDefFoundError here.
     */
    public static ApiClient fromKubeconfig(Path file) {
        try {
            return new io.nodedns.k8s.KubeClientConfig(file, null).newClient(); // the product's own reader
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Like {@link #fromKubeconfig} after the setup-time check nodedns makes ({@code KubeClientConfig.check}). */
    public static ApiClient checkedClient(Path kubeconfig) throws IOException {
        io.nodedns.k8s.KubeClientConfig config = new io.nodedns.k8s.KubeClientConfig(kubeconfig, null);
        config.check();
        return config.newClient();
    }

    // ---- the credential tests' server: which user a kubeconfig's credential authenticates as ----

    /**
     * A TLS stand-in checking {@code authn}, serving one Service (default/web) for {@link #listAs},
     * up for a test class: {@code @RegisterExtension static final StandInCluster cluster = ...}.
     */
    public static StandInCluster credentialsCluster(Authn authn) {
        return StandInCluster.of(StandInApiServer.builder().tls().authn(authn),
                KubeObjects.service("default", "web", "10.96.0.10", new KubeObjects.Port("dns", "UDP", 53)));
    }

    /** A kubeconfig cluster entry trusting the test CA ({@link TestPki}). */
    public static Map<String, Object> trustedCa() {
        return Map.of("certificate-authority-data", b64(TestPki.get().caPem()));
    }

    /** Lists the Services of {@link #credentialsCluster}; returns the user it authenticated for that request. */
    public static String listAs(StandInApiServer api, ApiClient client) throws Exception {
        api.clearRequests();
        List<?> items = new io.kubernetes.client.openapi.apis.CoreV1Api(client).listNamespacedService("default")
                .execute().getItems();
        if (items.size() != 1) {
            throw new AssertionError("expected the one Service, got " + items.size());
        }
        return api.requests().getLast().user();
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
