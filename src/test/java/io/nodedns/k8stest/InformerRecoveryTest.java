package io.nodedns.k8stest;

import static io.nodedns.k8stest.KubeObjects.SERVICE_NAME;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonObject;
import io.kubernetes.client.informer.SharedIndexInformer;
import io.kubernetes.client.openapi.ApiException;
import io.kubernetes.client.openapi.apis.DiscoveryV1Api;
import io.kubernetes.client.openapi.models.V1EndpointSlice;
import io.kubernetes.client.openapi.models.V1EndpointSliceList;
import io.kubernetes.client.util.Namespaces;
import io.kubernetes.client.util.generic.dynamic.DynamicKubernetesApi;
import io.kubernetes.client.util.generic.dynamic.DynamicKubernetesObject;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/** How the official client's informers ride out 410 Gone, API server restarts and 500s (against the stand-in). */
@Timeout(30)
class InformerRecoveryTest {
    private static final String SLICES = EndpointSliceInformerTest.SLICES;
    private static final Duration RECOVER = Duration.ofSeconds(5);

    private StandInApiServer api;

    @RegisterExtension
    final Informers informers = new Informers();

    private SharedIndexInformer<V1EndpointSlice> webInformer(EventRecorder<V1EndpointSlice> rec) {
        SharedIndexInformer<V1EndpointSlice> inf = informers.start(RECOVER, (client, factory) -> {
            DiscoveryV1Api discovery = new DiscoveryV1Api(client);
            return factory.sharedIndexInformerFor(
                    p -> discovery.listNamespacedEndpointSlice("default").labelSelector(SERVICE_NAME + "=web")
                            .resourceVersion(p.resourceVersion).watch(p.watch).timeoutSeconds(p.timeoutSeconds)
                            .buildCall(null),
                    V1EndpointSlice.class, V1EndpointSliceList.class, 0L, informers::failed);
        }, rec);
        Await.until(RECOVER, () -> api.openWatchCount() == 1, "watching");
        return inf;
    }

    /** name -> first endpoint address, from the informer's cache. */
    private static Map<String, String> cache(SharedIndexInformer<V1EndpointSlice> inf) {
        return inf.getIndexer().list().stream().collect(Collectors.toMap(s -> s.getMetadata().getName(),
                s -> s.getEndpoints().getFirst().getAddresses().getFirst()));
    }

    private int lists() {
        return api.requestCount(r -> r.path().equals(SLICES) && r.isList());
    }

    private void seed(int n) {
        for (int i = 1; i <= n; i++) {
            api.create(KubeObjects.serviceSlice("default", "web-" + i, "web", "10.0.0." + i));
        }
    }

    /** While no watch is open: web-1 gets a new address, web-2 goes, web-9 comes. */
    private void changeWhileBlind() {
        api.apply(KubeObjects.serviceSlice("default", "web-1", "web", "10.0.1.1"));
        api.delete(ResourceType.ENDPOINT_SLICES, "default", "web-2");
        api.create(KubeObjects.serviceSlice("default", "web-9", "web", "10.0.9.9"));
    }

    private static final Map<String, String> AFTER = Map.of("web-1", "10.0.1.1", "web-3", "10.0.0.3", "web-9",
            "10.0.9.9");

    @Test
    void forced410MakesTheInformerRelistAndRecover() throws Exception {
        api = informers.serve(StandInApiServer.builder());
        seed(3);
        EventRecorder<V1EndpointSlice> rec = new EventRecorder<>();
        SharedIndexInformer<V1EndpointSlice> inf = webInformer(rec);
        int listsBefore = lists();

        api.expireNextWatches(1);
        api.closeAllWatches(); // the re-watch gets the 410 ERROR event
        changeWhileBlind();
        EventRecorder.Event gone = rec.await("DELETE", "default/web-2", RECOVER);
        assertTrue(gone.finalStateUnknown(), "learned from the relist, not from a watch event");
        Await.until(RECOVER, () -> cache(inf).equals(AFTER), () -> "cache " + cache(inf));
        assertEquals(listsBefore + 1, lists(), "exactly one relist");
        assertTrue(rec.all().stream().anyMatch(e -> e.type().equals("UPDATE") && e.key().equals("default/web-1")),
                rec.summary());
    }

    @Test
    void watchFromAnOverflowedHistoryGets410AndTheInformerRelists() throws Exception {
        api = informers.serve(StandInApiServer.builder().historySize(3));
        seed(3);
        EventRecorder<V1EndpointSlice> rec = new EventRecorder<>();
        SharedIndexInformer<V1EndpointSlice> inf = webInformer(rec);
        int listsBefore = lists();
        api.delayResponses(Duration.ofMillis(500), RecordedRequest::isWatch); // hold the re-watch
        api.closeAllWatches();
        changeWhileBlind();
        for (int i = 0; i < 5; i++) { // more writes than the history holds
            api.apply(KubeObjects.serviceSlice("default", "web-3", "web", i == 4 ? "10.0.0.3" : "10.0.3." + i));
        }
        Await.until(RECOVER, () -> lists() == listsBefore + 1, "relist after 410");
        api.clearFaults();
        Await.until(RECOVER, () -> cache(inf).equals(AFTER), () -> "cache " + cache(inf));
    }

    @Test
    void informerKeepsItsCacheWhileTheApiServerIsDownAndCatchesUpAfterRestart() throws Exception {
        api = informers.serve(StandInApiServer.builder().historySize(5));
        seed(3);
        EventRecorder<V1EndpointSlice> rec = new EventRecorder<>();
        SharedIndexInformer<V1EndpointSlice> inf = webInformer(rec);
        Map<String, String> before = cache(inf);

        api.stop();
        Await.until(RECOVER, () -> !informers.errors.isEmpty(), "the exception handler sees the outage");
        Thread.sleep(1200); // a retry period or so while down
        assertTrue(inf.hasSynced(), "hasSynced stays true while down");
        assertEquals(before, cache(inf), "last-known state kept");
        assertTrue(
                informers.errors.stream().anyMatch(
                        e -> e instanceof ApiException a && a.getCause() instanceof java.net.ConnectException),
                "errors: " + informers.errors);

        changeWhileBlind();
        for (int i = 0; i < 6; i++) {
            api.apply(KubeObjects.serviceSlice("default", "web-3", "web", i == 5 ? "10.0.0.3" : "10.0.3." + i));
        }
        api.start();
        Await.until(RECOVER, () -> cache(inf).equals(AFTER), () -> "cache " + cache(inf));
        rec.await("ADD", "default/web-9", RECOVER);
    }

    @Test
    void failureModeIsObservableAndTheInformerRetriesOncePerSecondThenRecovers() throws Exception {
        api = informers.serve(StandInApiServer.builder());
        seed(3);
        EventRecorder<V1EndpointSlice> rec = new EventRecorder<>();
        SharedIndexInformer<V1EndpointSlice> inf = webInformer(rec);
        api.failRequests(500);
        api.clearRequests();
        api.closeAllWatches();
        changeWhileBlind();
        Thread.sleep(2500);
        int failed = api.requestCount(r -> r.path().equals(SLICES));
        assertTrue(failed >= 2 && failed <= 6,
                "fixed ~1 s retry, no hot loop and no backoff: " + failed + " requests in 2.5 s");
        assertTrue(informers.errors.stream().anyMatch(e -> e instanceof ApiException a && a.getCode() == 500),
                "errors: " + informers.errors);
        assertTrue(inf.hasSynced());
        api.clearFaults();
        Await.until(RECOVER, () -> cache(inf).equals(AFTER), () -> "cache " + cache(inf));
    }

    @Test
    void dynamicInformerAlsoRecoversFromARestart() throws Exception {
        api = informers.serve(StandInApiServer.builder());
        api.create(KubeObjects.serviceImport("v1alpha1", "testns", "svc1", "ClusterSetIP", List.of("10.0.0.1")));
        SharedIndexInformer<DynamicKubernetesObject> inf = informers.start(RECOVER,
                (client, factory) -> factory.sharedIndexInformerFor(
                        new DynamicKubernetesApi(ResourceType.MCS_GROUP, "v1alpha1", "serviceimports", client),
                        DynamicKubernetesObject.class, 0L, Namespaces.NAMESPACE_ALL, informers::failed));
        Await.until(RECOVER, () -> api.openWatchCount() == 1, "watching");

        api.stop();
        Await.until(RECOVER, () -> !informers.errors.isEmpty(), "outage seen");
        assertEquals(List.of("testns/svc1"), inf.getIndexer().listKeys());
        api.delete(api.serviceImports(), "testns", "svc1");
        JsonObject h = KubeObjects.serviceImport("v1alpha1", "testns", "hdls", "Headless", List.of());
        api.create(h);
        api.start();
        Await.until(RECOVER, () -> inf.getIndexer().listKeys().equals(List.of("testns/hdls")),
                () -> "keys " + inf.getIndexer().listKeys());
    }
}
