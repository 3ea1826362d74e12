package io.nodedns.k8stest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.kubernetes.client.openapi.ApiClient;
import io.kubernetes.client.openapi.ApiException;
import io.kubernetes.client.openapi.apis.CoreV1Api;
import io.kubernetes.client.openapi.apis.DiscoveryV1Api;
import io.kubernetes.client.openapi.apis.VersionApi;
import io.kubernetes.client.openapi.models.V1EndpointSlice;
import io.kubernetes.client.openapi.models.V1Namespace;
import io.kubernetes.client.openapi.models.V1ObjectMeta;
import io.kubernetes.client.openapi.models.V1Pod;
import io.kubernetes.client.openapi.models.V1Service;
import io.kubernetes.client.openapi.models.V1Status;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** The kubeconfig helper and the typed request/response APIs of the official client against the stand-in. */
@Timeout(20)
class KubeconfigTest {
    @TempDir
    Path dir;

    @Test
    void kubeconfigFileYieldsAWorkingClient() throws Exception {
        try (StandInApiServer api = StandInApiServer.builder().start()) {
            Path file = api.writeKubeconfig(dir.resolve("kube/config"));
            assertTrue(Files.readString(file).contains("server: " + api.url()));
            ApiClient client = KubeClients.fromKubeconfig(file);
            assertEquals(api.url(), client.getBasePath());
            assertEquals("v1.33.0-nodedns-standin", new VersionApi(client).getCode().execute().getGitVersion());
            CoreV1Api core = new CoreV1Api(client);
            core.createNamespace(new V1Namespace().metadata(new V1ObjectMeta().name("team"))).execute();
            assertEquals("Active", core.readNamespace("team").execute().getStatus().getPhase());
            assertEquals(1, core.listNamespace().execute().getItems().size());
        }
    }

    /**
     * Pins a classpath trap: client-java's KubeConfig registers the OIDC authenticator in its static
     * initializer, and that class needs jose4j, which pom.xml excludes. So KubeConfig.loadKubeConfig,
     * ClientBuilder.kubeconfig/standard/defaultClient all fail here; KubeClients.fromKubeconfig does not use
     * them. If this test starts failing, jose4j is back on the classpath and the official loader works.
     */
    @Test
    void officialKubeConfigLoaderNeedsJose4jWhichThePomExcludes() throws Exception {
        try (StandInApiServer api = StandInApiServer.builder().start()) {
            Path file = api.writeKubeconfig(dir.resolve("config"));
            NoClassDefFoundError e = assertThrows(NoClassDefFoundError.class, () -> {
                try (var r = Files.newBufferedReader(file)) {
                    io.kubernetes.client.util.KubeConfig.loadKubeConfig(r);
                }
            });
            assertTrue(e.getMessage().contains("jose4j") || e.getMessage().contains("KubeConfig"), e.getMessage());
        }
    }

    @Test
    void typedCrudThroughTheOfficialClient() throws Exception {
        try (StandInApiServer api = StandInApiServer.builder().start()) {
            ApiClient client = api.apiClient();
            DiscoveryV1Api discovery = new DiscoveryV1Api(client);
            V1EndpointSlice slice = new V1EndpointSlice().addressType("IPv4")
                    .metadata(new V1ObjectMeta().name("web-1").labels(Map.of(KubeObjects.SERVICE_NAME, "web")));
            V1EndpointSlice created = discovery.createNamespacedEndpointSlice("default", slice).execute();
            assertEquals("default", created.getMetadata().getNamespace());
            created.getMetadata().getLabels().put("x", "y");
            V1EndpointSlice replaced = discovery.replaceNamespacedEndpointSlice("web-1", "default", created).execute();
            assertTrue(Long.parseLong(replaced.getMetadata().getResourceVersion()) > Long
                    .parseLong(created.getMetadata().getResourceVersion()));
            ApiException conflict = assertThrows(ApiException.class,
                    () -> discovery.replaceNamespacedEndpointSlice("web-1", "default", created).execute());
            assertEquals(409, conflict.getCode());
            V1Status deleted = discovery.deleteNamespacedEndpointSlice("web-1", "default").execute();
            assertEquals("Success", deleted.getStatus());
            assertEquals(404, assertThrows(ApiException.class,
                    () -> discovery.readNamespacedEndpointSlice("web-1", "default").execute()).getCode());

            CoreV1Api core = new CoreV1Api(client);
            api.create(KubeObjects.service("default", "web", "10.96.0.10", new KubeObjects.Port("dns", "UDP", 53)));
            api.create(KubeObjects.pod("default", "web-abc", "node-1", "10.244.0.5"));
            V1Service svc = core.readNamespacedService("web", "default").execute();
            assertEquals("10.96.0.10", svc.getSpec().getClusterIP());
            V1Pod pod = core.listNamespacedPod("default").fieldSelector("spec.nodeName=node-1").execute().getItems()
                    .getFirst();
            assertEquals("10.244.0.5", pod.getStatus().getPodIP());
            assertEquals(0, core.listNamespacedPod("default").fieldSelector("spec.nodeName=node-2").execute().getItems()
                    .size());
            assertEquals("web", core.deleteNamespacedService("web", "default").execute().getMetadata().getName());
        }
    }
}
