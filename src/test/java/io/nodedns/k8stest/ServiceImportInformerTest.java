package io.nodedns.k8stest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonObject;
import io.kubernetes.client.Discovery;
import io.kubernetes.client.informer.SharedIndexInformer;
import io.kubernetes.client.openapi.ApiClient;
import io.kubernetes.client.util.Namespaces;
import io.kubernetes.client.util.generic.dynamic.DynamicKubernetesApi;
import io.kubernetes.client.util.generic.dynamic.DynamicKubernetesObject;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The ServiceImport CRD through the official client's DynamicKubernetesApi and its informer. */
@Timeout(30)
class ServiceImportInformerTest {
    private static final Duration SYNC = Duration.ofSeconds(5);

    private StandInApiServer api;

    @RegisterExtension
    final Informers informers = new Informers();

    private SharedIndexInformer<DynamicKubernetesObject> informer(String version,
            EventRecorder<DynamicKubernetesObject> rec) {
        // one factory per dynamic type
        return informers.start(SYNC, (client, factory) -> factory.sharedIndexInformerFor(
                new DynamicKubernetesApi(ResourceType.MCS_GROUP, version, "serviceimports", client),
                DynamicKubernetesObject.class, 0L, Namespaces.NAMESPACE_ALL, informers::failed), rec);
    }

    private static JsonObject spec(DynamicKubernetesObject o) {
        return o.getRaw().getAsJsonObject("spec");
    }

    @Test
    void dynamicInformerSyncsAndFollowsServiceImports() throws Exception {
        api = informers.serve(StandInApiServer.builder());
        api.create(KubeObjects.serviceImport("v1alpha1", "testns", "svc1", "ClusterSetIP", List.of("10.0.0.1"),
                new KubeObjects.Port("http", "TCP", 80)));
        EventRecorder<DynamicKubernetesObject> rec = new EventRecorder<>();
        SharedIndexInformer<DynamicKubernetesObject> inf = informer("v1alpha1", rec);
        DynamicKubernetesObject svc1 = inf.getIndexer().getByKey("testns/svc1");
        assertEquals("ClusterSetIP", spec(svc1).get("type").getAsString());
        assertEquals("ServiceImport", svc1.getKind(), "CR list items keep their type meta");

        long t0 = System.nanoTime();
        JsonObject hdls = api.create(KubeObjects.serviceImport("v1alpha1", "testns", "hdls1", "Headless", List.of(),
                new KubeObjects.Port("http", "TCP", 80)));
        EventRecorder.Event add = rec.await("ADD", "testns/hdls1", SYNC);
        assertTrue((add.nanos() - t0) / 1_000_000 < 400, "ADD within 400 ms (streamed, not a relist)");
        assertEquals("multicluster.x-k8s.io/v1alpha1", ((DynamicKubernetesObject) add.object()).getApiVersion());

        JsonObject changed = hdls.deepCopy();
        changed.getAsJsonObject("spec").getAsJsonArray("ports").get(0).getAsJsonObject().addProperty("port", 8080);
        JsonObject stored = api.update(changed);
        assertEquals(2, stored.getAsJsonObject("metadata").get("generation").getAsInt(),
                "spec change bumps generation");
        EventRecorder.Event upd = rec.await("UPDATE", "testns/hdls1", SYNC);
        assertEquals(8080, spec((DynamicKubernetesObject) upd.object()).getAsJsonArray("ports").get(0)
                .getAsJsonObject().get("port").getAsInt());

        api.delete(api.serviceImports(), "testns", "svc1");
        rec.await("DELETE", "testns/svc1", SYNC);
        assertEquals(Set.of("testns/hdls1"), inf.getIndexer().listKeys().stream().collect(Collectors.toSet()));
        assertTrue(informers.errors.isEmpty(), "informer errors: " + informers.errors);
    }

    @Test
    void bothVersionsServedShareStorageAndDiscoveryPrefersV1beta1() throws Exception {
        api = informers.serve(StandInApiServer.builder().serviceImportVersions("v1beta1", "v1alpha1"));
        ApiClient client = api.apiClient();
        Set<Discovery.APIResource> all = new Discovery(client).findAll();
        Discovery.APIResource si = all.stream().filter(r -> r.getResourcePlural().equals("serviceimports")).findFirst()
                .orElseThrow();
        assertEquals("v1beta1", si.getPreferredVersion());
        assertEquals(Set.of("v1beta1", "v1alpha1"), Set.copyOf(si.getVersions()));
        assertTrue(all.stream().anyMatch(r -> r.getResourcePlural().equals("endpointslices")
                && r.getGroup().equals("discovery.k8s.io")));

        EventRecorder<DynamicKubernetesObject> rec = new EventRecorder<>();
        informer("v1beta1", rec);
        api.create(KubeObjects.serviceImport("v1alpha1", "testns", "svc1", "ClusterSetIP", List.of("10.0.0.1")));
        EventRecorder.Event add = rec.await("ADD", "testns/svc1", SYNC);
        assertEquals("multicluster.x-k8s.io/v1beta1", ((DynamicKubernetesObject) add.object()).getApiVersion(),
                "written at v1alpha1, watched at v1beta1");

        DynamicKubernetesApi alpha = new DynamicKubernetesApi(ResourceType.MCS_GROUP, "v1alpha1", "serviceimports",
                api.apiClient());
        DynamicKubernetesObject read = alpha.get("testns", "svc1").throwsApiException().getObject();
        assertEquals("multicluster.x-k8s.io/v1alpha1", read.getApiVersion());
        assertEquals(1, alpha.list("testns").throwsApiException().getObject().getItems().size());
    }

    @Test
    void onlyV1alpha1ServedMeansV1beta1IsNotDiscovered() throws Exception {
        api = informers.serve(StandInApiServer.builder().serviceImportVersions("v1alpha1"));
        Discovery.APIResource si = new Discovery(api.apiClient()).findAll().stream()
                .filter(r -> r.getResourcePlural().equals("serviceimports")).findFirst().orElseThrow();
        assertEquals(List.of("v1alpha1"), si.getVersions());
        DynamicKubernetesApi beta = new DynamicKubernetesApi(ResourceType.MCS_GROUP, "v1beta1", "serviceimports",
                api.apiClient());
        assertEquals(404, beta.list().getHttpStatusCode());
    }
}
