package io.nodedns.k8stest;

import static io.nodedns.k8stest.KubeObjects.SERVICE_NAME;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonObject;
import io.kubernetes.client.informer.SharedIndexInformer;
import io.kubernetes.client.informer.cache.Lister;
import io.kubernetes.client.openapi.apis.DiscoveryV1Api;
import io.kubernetes.client.openapi.models.V1EndpointSlice;
import io.kubernetes.client.openapi.models.V1EndpointSliceList;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The official client's typed EndpointSlice informer against the stand-in. */
@Timeout(30)
class EndpointSliceInformerTest {
    static final String SLICES = "/apis/discovery.k8s.io/v1/namespaces/default/endpointslices";
    private static final Duration SYNC = Duration.ofSeconds(5);
    /** Streamed, not polled: the client's relist/poll paths take a second or more; margin for a loaded CI machine. */
    private static final Duration FAST = Duration.ofMillis(400);

    private StandInApiServer api;

    @RegisterExtension
    final Informers informers = new Informers();

    @BeforeEach
    void start() {
        api = informers.serve(StandInApiServer.builder().bookmarkInterval(Duration.ofMillis(200)));
    }

    /** An informer on default's slices with this label selector, the way production code will build one. */
    SharedIndexInformer<V1EndpointSlice> informer(String selector, boolean bookmarks,
            EventRecorder<V1EndpointSlice> rec) {
        return informers.start(SYNC, (client, factory) -> {
            DiscoveryV1Api discovery = new DiscoveryV1Api(client);
            return factory.sharedIndexInformerFor(
                    p -> discovery.listNamespacedEndpointSlice("default").labelSelector(selector)
                            .resourceVersion(p.resourceVersion).watch(p.watch).timeoutSeconds(p.timeoutSeconds)
                            .allowWatchBookmarks(bookmarks ? p.watch : null).buildCall(null),
                    V1EndpointSlice.class, V1EndpointSliceList.class, 0L, informers::failed);
        }, rec);
    }

    static long millisSince(long startNanos, EventRecorder.Event e) {
        return (e.nanos() - startNanos) / 1_000_000;
    }

    @Test
    void syncsWithALabelSelectorAndDeliversChangesWithin100ms() throws Exception {
        api.create(KubeObjects.serviceSlice("default", "web-1", "web", "10.0.0.1"));
        api.create(KubeObjects.serviceSlice("default", "web-2", "web", "10.0.0.2"));
        api.create(KubeObjects.serviceSlice("default", "db-1", "db", "10.0.1.1"));
        api.create(KubeObjects.serviceSlice("other", "web-9", "web", "10.0.9.9"));
        EventRecorder<V1EndpointSlice> rec = new EventRecorder<>();
        SharedIndexInformer<V1EndpointSlice> inf = informer(SERVICE_NAME + "=web", false, rec);
        Lister<V1EndpointSlice> lister = new Lister<>(inf.getIndexer(), "default");
        assertEquals(List.of("web-1", "web-2"),
                lister.list().stream().map(s -> s.getMetadata().getName()).sorted().toList());
        rec.await("ADD", "default/web-2", SYNC);

        List<Long> latencies = new ArrayList<>();
        for (int round = 0; round < 3; round++) { // round 0 warms the JIT; rounds 1-2 are asserted
            String name = "web-new-" + round;
            api.create(KubeObjects.serviceSlice("default", "db-new-" + round, "db", "10.0.2." + round)); // filtered out
            long t0 = System.nanoTime();
            JsonObject created = api.create(KubeObjects.serviceSlice("default", name, "web", "10.0.3." + round));
            long add = millisSince(t0, rec.await("ADD", "default/" + name, SYNC));
            t0 = System.nanoTime();
            JsonObject changed = created.deepCopy();
            changed.getAsJsonArray("endpoints").get(0).getAsJsonObject().getAsJsonObject("conditions")
                    .addProperty("ready", false);
            api.update(changed);
            EventRecorder.Event upd = rec.await("UPDATE", "default/" + name, SYNC);
            long update = millisSince(t0, upd);
            assertEquals(Boolean.FALSE,
                    ((V1EndpointSlice) upd.object()).getEndpoints().getFirst().getConditions().getReady());
            t0 = System.nanoTime();
            api.delete(ResourceType.ENDPOINT_SLICES, "default", name);
            EventRecorder.Event del = rec.await("DELETE", "default/" + name, SYNC);
            long delete = millisSince(t0, del);
            assertFalse(del.finalStateUnknown(), "a watched delete, not a relist tombstone");
            if (round > 0) {
                latencies.addAll(List.of(add, update, delete));
            }
        }
        System.out.println("write -> informer callback latencies (ms, ADD/UPDATE/DELETE x2): " + latencies);
        assertTrue(latencies.stream().allMatch(ms -> ms < FAST.toMillis()), "write -> callback ms: " + latencies);

        // A slice whose label changes away from the selector leaves the cache as a DELETE.
        JsonObject web1 = api.get(ResourceType.ENDPOINT_SLICES, "default", "web-1");
        api.update(KubeObjects.withLabel(web1, SERVICE_NAME, "db"));
        rec.await("DELETE", "default/web-1", FAST.multipliedBy(5));
        assertEquals(List.of("web-2"), lister.list().stream().map(s -> s.getMetadata().getName()).toList());
        assertFalse(rec.all().stream().anyMatch(e -> e.key().contains("db-") || e.key().startsWith("other/")),
                "non-matching slices never reach the handler: " + rec.summary());
        assertTrue(informers.errors.isEmpty(), "informer errors: " + informers.errors);
    }

    @Test
    void allNamespacesInformerWithAnExistenceSelectorAndAServiceIndex() throws Exception {
        api.create(KubeObjects.serviceSlice("a", "web-1", "web", "10.0.0.1"));
        api.create(KubeObjects.serviceSlice("b", "web-1", "web", "10.0.0.2"));
        api.create(KubeObjects.endpointSlice("a", "manual", Map.of(), "IPv4", List.of()));
        SharedIndexInformer<V1EndpointSlice> inf = informers.start(SYNC, (client, factory) -> {
            DiscoveryV1Api discovery = new DiscoveryV1Api(client);
            SharedIndexInformer<V1EndpointSlice> all = factory.sharedIndexInformerFor(
                    p -> discovery.listEndpointSliceForAllNamespaces().labelSelector(SERVICE_NAME)
                            .resourceVersion(p.resourceVersion).watch(p.watch).timeoutSeconds(p.timeoutSeconds)
                            .buildCall(null),
                    V1EndpointSlice.class, V1EndpointSliceList.class, 0L, informers::failed);
            all.addIndexers(Map.of("service", s -> List.of(s.getMetadata().getNamespace() + "/"
                    + s.getMetadata().getLabels().get(SERVICE_NAME))));
            return all;
        });
        assertEquals(2, inf.getIndexer().list().size(), "the slice without the label is not selected");
        api.create(KubeObjects.serviceSlice("b", "web-2", "web", "10.0.0.3"));
        Await.until(SYNC, () -> inf.getIndexer().byIndex("service", "b/web").size() == 2, "index updated");
        assertEquals(1, inf.getIndexer().byIndex("service", "a/web").size());
        assertEquals(1,
                api.requestCount(r -> r.path().equals("/apis/discovery.k8s.io/v1/endpointslices") && r.isList()),
                "one list, then only the watch");
    }

    @Test
    void chunkedTypedListWithLimitAndContinueReturnsEverything() throws Exception {
        for (int i = 0; i < 23; i++) {
            api.create(KubeObjects.serviceSlice("default", "s" + i, "web", "10.0.0." + i));
        }
        DiscoveryV1Api discovery = new DiscoveryV1Api(api.apiClient());
        List<String> names = new ArrayList<>();
        String cont = null;
        int pages = 0;
        do {
            V1EndpointSliceList page = discovery.listNamespacedEndpointSlice("default").limit(10)._continue(cont)
                    .execute();
            page.getItems().forEach(s -> names.add(s.getMetadata().getName()));
            cont = page.getMetadata().getContinue();
            if (cont != null) {
                assertNotNull(page.getMetadata().getRemainingItemCount());
            }
            pages++;
        } while (cont != null && !cont.isEmpty());
        assertEquals(3, pages);
        assertEquals(23, names.size());
        assertEquals(23, names.stream().distinct().count());
    }

    @Test
    void bookmarksMoveTheInformersResourceVersionAndSpareARelistAfterCompaction() throws Exception {
        api.create(KubeObjects.serviceSlice("default", "web-1", "web", "10.0.0.1"));
        EventRecorder<V1EndpointSlice> withRec = new EventRecorder<>();
        EventRecorder<V1EndpointSlice> withoutRec = new EventRecorder<>();
        String withSel = SERVICE_NAME + "=web";
        String withoutSel = SERVICE_NAME + " in (web)";
        SharedIndexInformer<V1EndpointSlice> with = informer(withSel, true, withRec);
        SharedIndexInformer<V1EndpointSlice> without = informer(withoutSel, false, withoutRec);
        Await.until(SYNC, () -> api.openWatchCount(ResourceType.ENDPOINT_SLICES) == 2, "both watching");
        long sliceRv = api.resourceVersion();

        for (int i = 0; i < 5; i++) { // other resources move the global RV; no slice event follows
            api.create(KubeObjects.service("default", "svc-" + i, "10.96.0." + i));
        }
        long now = api.resourceVersion();
        Await.until(SYNC, () -> Long.toString(now).equals(with.lastSyncResourceVersion()),
                () -> "bookmark RV; informer at " + with.lastSyncResourceVersion());
        assertEquals(Long.toString(sliceRv), without.lastSyncResourceVersion(), "no bookmarks, no progress");
        assertTrue(api.bookmarksSent() > 0);

        int withLists = lists(withSel);
        int withoutLists = lists(withoutSel);
        api.compactHistory();
        api.closeAllWatches(); // both re-watch from their last RV
        Await.until(SYNC, () -> lists(withoutSel) == withoutLists + 1, "the informer without bookmarks relists (410)");
        api.create(KubeObjects.serviceSlice("default", "web-2", "web", "10.0.0.2"));
        withRec.await("ADD", "default/web-2", SYNC);
        withoutRec.await("ADD", "default/web-2", SYNC);
        assertEquals(withLists, lists(withSel), "the bookmarked informer resumed its watch without a relist");
        assertEquals(2, with.getIndexer().list().size());
        assertEquals(2, without.getIndexer().list().size());
    }

    private int lists(String selector) {
        return api.requestCount(
                r -> r.path().equals(SLICES) && r.isList() && selector.equals(r.query().get("labelSelector")));
    }
}
