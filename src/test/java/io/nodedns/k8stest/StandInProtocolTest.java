package io.nodedns.k8stest;

import static io.nodedns.k8stest.KubeObjects.SERVICE_NAME;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.StreamSupport;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The stand-in's wire protocol, checked with a plain HTTP client: lists, selectors, watches, errors. */
@Timeout(20)
class StandInProtocolTest {
    private static final String SLICES = "/apis/discovery.k8s.io/v1/namespaces/default/endpointslices";
    private static final Duration WAIT = Duration.ofSeconds(3);

    private StandInApiServer api;
    private RawHttp http;

    @BeforeEach
    void start() {
        api = StandInApiServer.builder().bookmarkInterval(Duration.ofMillis(200)).historySize(20)
                .tooLargeResourceVersionWait(Duration.ofMillis(200)).start();
        http = new RawHttp(api.url());
    }

    @AfterEach
    void stop() {
        api.close();
    }

    private static List<String> names(JsonObject list) {
        return StreamSupport.stream(list.getAsJsonArray("items").spliterator(), false)
                .map(e -> e.getAsJsonObject().getAsJsonObject("metadata").get("name").getAsString()).sorted().toList();
    }

    private List<String> listNames(String query) throws Exception {
        RawHttp.Reply r = http.get(SLICES + "?" + query);
        assertEquals(200, r.status(), r.text());
        return names(r.body());
    }

    @Test
    void httpCrudAssignsMetadataAndAnswersLikeTheApiServer() throws Exception {
        JsonObject slice = KubeObjects.serviceSlice("default", "web-1", "web", "10.0.0.1");
        RawHttp.Reply created = http.send("POST", SLICES, slice, null);
        assertEquals(201, created.status(), created.text());
        JsonObject meta = created.body().getAsJsonObject("metadata");
        assertEquals(Long.toString(api.resourceVersion()), meta.get("resourceVersion").getAsString());
        assertNotNull(meta.get("uid"));
        assertNotNull(meta.get("creationTimestamp"));
        assertEquals(1, meta.get("generation").getAsInt());

        RawHttp.Reply dup = http.send("POST", SLICES, slice, null);
        assertEquals(409, dup.status());
        assertEquals("AlreadyExists", dup.body().get("reason").getAsString());
        assertEquals("Status", dup.body().get("kind").getAsString());

        JsonObject stale = created.body().deepCopy();
        stale.getAsJsonObject("metadata").addProperty("resourceVersion", "1");
        stale.addProperty("addressType", "IPv6");
        api.update(KubeObjects.withLabel(created.body(), "touched", "yes")); // someone else wrote first
        RawHttp.Reply conflict = http.send("PUT", SLICES + "/web-1", stale, null);
        assertEquals(409, conflict.status());
        assertEquals("Conflict", conflict.body().get("reason").getAsString());

        JsonObject noType = KubeObjects.serviceSlice("default", "bad", "web", "10.0.0.9");
        noType.remove("addressType");
        assertEquals(422, http.send("POST", SLICES, noType, null).status());

        JsonObject patch = new JsonObject();
        JsonObject pm = new JsonObject();
        JsonObject labels = new JsonObject();
        labels.addProperty("patched", "true");
        pm.add("labels", labels);
        patch.add("metadata", pm);
        RawHttp.Reply patched = http.send("PATCH", SLICES + "/web-1", patch, "application/merge-patch+json");
        assertEquals(200, patched.status(), patched.text());
        assertEquals("true",
                patched.body().getAsJsonObject("metadata").getAsJsonObject("labels").get("patched").getAsString());
        assertEquals("web",
                patched.body().getAsJsonObject("metadata").getAsJsonObject("labels").get(SERVICE_NAME).getAsString());
        assertEquals(415, http.send("PATCH", SLICES + "/web-1", patch, "application/json-patch+json").status());

        RawHttp.Reply gone = http.send("DELETE", SLICES + "/web-1", null, null);
        assertEquals(200, gone.status());
        assertEquals("Status", gone.body().get("kind").getAsString(), "EndpointSlice DELETE answers a Status");
        assertEquals(404, http.get(SLICES + "/web-1").status());
        assertEquals("NotFound", http.get(SLICES + "/web-1").body().get("reason").getAsString());

        api.create(KubeObjects.service("default", "web", "10.96.0.10", new KubeObjects.Port("dns", "UDP", 53)));
        RawHttp.Reply svcGone = http.send("DELETE", "/api/v1/namespaces/default/services/web", null, null);
        assertEquals("Service", svcGone.body().get("kind").getAsString(), "Service DELETE answers the object");
        assertEquals(404, http.get("/apis/discovery.k8s.io/v1/nosuch").status());
        assertEquals(404, http.get("/apis/multicluster.x-k8s.io/v1beta1/serviceimports").status(),
                "v1beta1 not served");
    }

    @Test
    void labelAndFieldSelectorsFilterLists() throws Exception {
        api.create(KubeObjects.endpointSlice("default", "a", Map.of(SERVICE_NAME, "web", "tier", "front"), "IPv4",
                List.of()));
        api.create(KubeObjects.endpointSlice("default", "b", Map.of(SERVICE_NAME, "web", "tier", "back"), "IPv4",
                List.of()));
        api.create(KubeObjects.endpointSlice("default", "c", Map.of(SERVICE_NAME, "db"), "IPv4", List.of()));
        api.create(KubeObjects.endpointSlice("default", "d", Map.of(), "IPv6", List.of()));
        api.create(KubeObjects.endpointSlice("other", "e", Map.of(SERVICE_NAME, "web"), "IPv4", List.of()));

        assertEquals(List.of("a", "b"), listNames("labelSelector=" + RawHttp.enc(SERVICE_NAME + "=web")));
        assertEquals(List.of("a", "b"), listNames("labelSelector=" + RawHttp.enc(SERVICE_NAME + "==web")));
        assertEquals(List.of("c", "d"), listNames("labelSelector=" + RawHttp.enc(SERVICE_NAME + "!=web")));
        assertEquals(List.of("a", "b", "c"), listNames("labelSelector=" + RawHttp.enc(SERVICE_NAME + " in (web, db)")));
        assertEquals(List.of("b", "c", "d"), listNames("labelSelector=" + RawHttp.enc("tier notin (front)")),
                "notin matches c, which has no tier label");
        assertEquals(List.of("a", "b", "c"), listNames("labelSelector=" + RawHttp.enc(SERVICE_NAME)));
        assertEquals(List.of("d"), listNames("labelSelector=" + RawHttp.enc("!" + SERVICE_NAME)));
        assertEquals(List.of("a"), listNames("labelSelector=" + RawHttp.enc(SERVICE_NAME + "=web,tier=front")));
        assertEquals(List.of("b"), listNames("fieldSelector=" + RawHttp.enc("metadata.name=b")));
        assertEquals(List.of("a", "c", "d"), listNames("fieldSelector=" + RawHttp.enc("metadata.name!=b")));

        RawHttp.Reply all = http.get("/apis/discovery.k8s.io/v1/endpointslices?fieldSelector="
                + RawHttp.enc("metadata.namespace=other"));
        assertEquals(List.of("e"), names(all.body()));
        RawHttp.Reply everywhere = http.get("/apis/discovery.k8s.io/v1/endpointslices?labelSelector="
                + RawHttp.enc(SERVICE_NAME + "=web"));
        assertEquals(List.of("a", "b", "e"), names(everywhere.body()));
        JsonObject item = everywhere.body().getAsJsonArray("items").get(0).getAsJsonObject();
        assertFalse(item.has("kind") || item.has("apiVersion"), "built-in list items carry no type meta");
        assertEquals("EndpointSliceList", everywhere.body().get("kind").getAsString());
        assertEquals(Long.toString(api.resourceVersion()),
                everywhere.body().getAsJsonObject("metadata").get("resourceVersion").getAsString());

        assertEquals(400, http.get(SLICES + "?fieldSelector=" + RawHttp.enc("spec.nodeName=x")).status());
        assertEquals(400, http.get(SLICES + "?labelSelector=" + RawHttp.enc("a in b")).status());
    }

    @Test
    void limitAndContinueServeAConsistentSnapshot() throws Exception {
        for (int i = 0; i < 25; i++) {
            api.create(KubeObjects.serviceSlice("default", "s%02d".formatted(i), "web", "10.0.0." + i));
        }
        long listRv = api.resourceVersion();
        List<String> seen = new ArrayList<>();
        String cont = null;
        int pages = 0;
        do {
            RawHttp.Reply r = http.get(SLICES + "?limit=10" + (cont == null ? "" : "&continue=" + RawHttp.enc(cont)));
            assertEquals(200, r.status(), r.text());
            JsonObject meta = r.body().getAsJsonObject("metadata");
            assertEquals(Long.toString(listRv), meta.get("resourceVersion").getAsString(),
                    "every page at the first page's RV");
            names(r.body()).forEach(seen::add);
            JsonElement c = meta.get("continue");
            cont = c == null ? null : c.getAsString();
            if (pages == 0) {
                assertEquals(15, meta.get("remainingItemCount").getAsInt());
                api.create(KubeObjects.serviceSlice("default", "s99", "web", "10.0.1.1")); // after the snapshot
                api.delete(ResourceType.ENDPOINT_SLICES, "default", "s20");
            }
            pages++;
        } while (cont != null);
        assertEquals(3, pages);
        assertEquals(25, seen.size());
        assertTrue(seen.contains("s20") && !seen.contains("s99"), "the list is the snapshot at the first page");

        RawHttp.Reply first = http.get(SLICES + "?limit=5");
        String token = first.body().getAsJsonObject("metadata").get("continue").getAsString();
        api.compactHistory();
        RawHttp.Reply expired = http.get(SLICES + "?limit=5&continue=" + RawHttp.enc(token));
        assertEquals(410, expired.status());
        assertEquals("Expired", expired.body().get("reason").getAsString());
    }

    @Test
    void watchReplaysAfterResourceVersionAndAppliesSelectorTransitions() throws Exception {
        JsonObject a = api.create(KubeObjects.serviceSlice("default", "a", "web", "10.0.0.1"));
        long afterA = api.resourceVersion();
        api.create(KubeObjects.serviceSlice("default", "b", "web", "10.0.0.2"));
        api.create(KubeObjects.serviceSlice("default", "c", "db", "10.0.0.3"));
        try (RawHttp.Stream w = http.watch(SLICES + "?watch=true&resourceVersion=" + afterA + "&labelSelector="
                + RawHttp.enc(SERVICE_NAME + "=web"))) {
            assertEquals(200, w.status);
            JsonObject ev = w.nextNonBookmark(WAIT);
            assertEquals("ADDED", RawHttp.Stream.type(ev));
            assertEquals("b", RawHttp.Stream.name(ev), "replay starts after the RV; c does not match");
            assertEquals("EndpointSlice", ev.getAsJsonObject("object").get("kind").getAsString());
            assertEquals("discovery.k8s.io/v1", ev.getAsJsonObject("object").get("apiVersion").getAsString());

            api.update(KubeObjects.withLabel(a, SERVICE_NAME, "db")); // leaves the selection
            ev = w.nextNonBookmark(WAIT);
            assertEquals("DELETED", RawHttp.Stream.type(ev));
            assertEquals(Long.toString(api.resourceVersion()),
                    ev.getAsJsonObject("object").getAsJsonObject("metadata").get("resourceVersion").getAsString());
            api.apply(KubeObjects.withLabel(a, SERVICE_NAME, "web")); // comes back
            assertEquals("ADDED", RawHttp.Stream.type(w.nextNonBookmark(WAIT)));
            api.delete(ResourceType.ENDPOINT_SLICES, "default", "c"); // not selected: nothing
            api.delete(ResourceType.ENDPOINT_SLICES, "default", "b");
            ev = w.nextNonBookmark(WAIT);
            assertEquals("DELETED", RawHttp.Stream.type(ev));
            assertEquals("b", RawHttp.Stream.name(ev));
        }
    }

    @Test
    void watchWithoutResourceVersionStartsWithTheCurrentStateAndEndsAtTimeoutSeconds() throws Exception {
        api.create(KubeObjects.serviceSlice("default", "a", "web", "10.0.0.1"));
        long t0 = System.nanoTime();
        try (RawHttp.Stream w = http.watch(SLICES + "?watch=1&timeoutSeconds=1")) {
            JsonObject ev = w.next(WAIT);
            assertEquals("ADDED", RawHttp.Stream.type(ev));
            assertSame(RawHttp.Stream.END, w.next(WAIT), "the server ends the stream cleanly");
        }
        long ms = (System.nanoTime() - t0) / 1_000_000;
        assertTrue(ms >= 900 && ms < 2500, "ended after " + ms + " ms");
    }

    @Test
    void expiredResourceVersionGetsOne410ErrorEventAndTheEnd() throws Exception {
        for (int i = 0; i < 30; i++) { // history 20: the first writes fall out
            api.apply(KubeObjects.serviceSlice("default", "churn", "web", "10.0.0." + i));
        }
        try (RawHttp.Stream w = http.watch(SLICES + "?watch=true&resourceVersion=2")) {
            assertEquals(200, w.status, "410 is in-stream, the HTTP status is 200");
            JsonObject ev = w.next(WAIT);
            assertEquals("ERROR", RawHttp.Stream.type(ev));
            JsonObject status = ev.getAsJsonObject("object");
            assertEquals("Status", status.get("kind").getAsString());
            assertEquals("v1", status.get("apiVersion").getAsString(),
                    "client-java recognises Status only with apiVersion v1");
            assertEquals(410, status.get("code").getAsInt());
            assertEquals("Expired", status.get("reason").getAsString());
            assertSame(RawHttp.Stream.END, w.next(WAIT));
        }
        api.expireNextWatches(1);
        try (RawHttp.Stream w = http.watch(SLICES + "?watch=true&resourceVersion=" + api.resourceVersion())) {
            assertEquals("ERROR", RawHttp.Stream.type(w.next(WAIT)), "forced expiry");
        }
        RawHttp.Reply tooLarge = http.get(SLICES + "?watch=true&resourceVersion=" + (api.resourceVersion() + 100));
        assertEquals(504, tooLarge.status());
        assertEquals("Timeout", tooLarge.body().get("reason").getAsString());
    }

    @Test
    void bookmarksCarryTheCurrentResourceVersionAndTheTypesRequiredFields() throws Exception {
        try (RawHttp.Stream w = http.watch(SLICES + "?watch=true&allowWatchBookmarks=true&sendInitialEvents=true"
                + "&resourceVersionMatch=NotOlderThan&resourceVersion=")) {
            JsonObject end = w.next(WAIT);
            assertEquals("BOOKMARK", RawHttp.Stream.type(end));
            assertEquals("true",
                    end.getAsJsonObject("object").getAsJsonObject("metadata").getAsJsonObject("annotations")
                            .get("k8s.io/initial-events-end").getAsString());
            api.create(KubeObjects.service("default", "other", "10.96.0.1")); // bumps the global RV only
            long rv = api.resourceVersion();
            JsonObject bm;
            do {
                bm = w.next(WAIT);
                assertNotNull(bm);
            } while (!bm.getAsJsonObject("object").getAsJsonObject("metadata").get("resourceVersion").getAsString()
                    .equals(Long.toString(rv)));
            assertEquals("BOOKMARK", RawHttp.Stream.type(bm));
            assertEquals("", bm.getAsJsonObject("object").get("addressType").getAsString(),
                    "V1EndpointSlice requires addressType even in a bookmark");
        }
        assertTrue(api.bookmarksSent() >= 2);
    }

    @Test
    void faultModesAndRequestCounting() throws Exception {
        api.failRequests(500);
        RawHttp.Reply r = http.get(SLICES);
        assertEquals(500, r.status());
        assertEquals("InternalError", r.body().get("reason").getAsString());
        assertEquals(500, http.get("/api").status());
        api.clearFaults();
        api.failNextRequests(2, 503);
        assertEquals(503, http.get(SLICES).status());
        assertEquals(503, http.get(SLICES).status());
        assertEquals(200, http.get(SLICES).status());
        api.delayResponses(Duration.ofMillis(300));
        long t0 = System.nanoTime();
        assertEquals(200, http.get(SLICES).status());
        assertTrue(System.nanoTime() - t0 >= 300_000_000L, "delayed");
        api.clearFaults();
        assertEquals(5, api.requestCount(SLICES), "failed and delayed requests are counted");
        assertEquals(1, api.requestCount("/api"));
    }

    @Test
    void stopCutsWatchesAndStartServesTheSameStateOnTheSamePort() throws Exception {
        api.create(KubeObjects.serviceSlice("default", "a", "web", "10.0.0.1"));
        int port = api.port();
        try (RawHttp.Stream w = http.watch(SLICES + "?watch=true")) {
            assertEquals("ADDED", RawHttp.Stream.type(w.next(WAIT)));
            api.stop();
            assertSame(RawHttp.Stream.BROKEN, w.next(WAIT), "killed: the stream breaks, no clean end");
        }
        assertFalse(api.isRunning());
        try {
            http.get(SLICES);
            throw new AssertionError("connected to a stopped server");
        } catch (java.net.ConnectException expected) {
            // refused
        }
        api.create(KubeObjects.serviceSlice("default", "b", "web", "10.0.0.2")); // state changes while down
        api.start();
        assertEquals(port, api.port());
        assertEquals(List.of("a", "b"), listNames(""));
        try (RawHttp.Stream w = http.watch(SLICES + "?watch=true&resourceVersion=" + api.resourceVersion())) {
            Await.until(WAIT, () -> api.openWatchCount() == 1, "watch registered");
            assertEquals(1, api.closeAllWatches());
            assertSame(RawHttp.Stream.END, w.nextNonBookmark(WAIT), "closeAllWatches ends streams cleanly");
        }
    }

    @Test
    void deletingANamespaceDeletesItsObjects() throws Exception {
        api.create(KubeObjects.namespace("team"));
        api.create(KubeObjects.serviceSlice("team", "a", "web", "10.0.0.1"));
        api.create(KubeObjects.service("team", "web", "10.96.0.5"));
        assertEquals("Active",
                http.get("/api/v1/namespaces/team").body().getAsJsonObject("status").get("phase").getAsString());
        assertEquals(200, http.send("DELETE", "/api/v1/namespaces/team", null, null).status());
        assertNull(api.get(ResourceType.ENDPOINT_SLICES, "team", "a"));
        assertNull(api.get(ResourceType.SERVICES, "team", "web"));
        api.requireNamespaces(true);
        RawHttp.Reply r = http.send("POST", "/apis/discovery.k8s.io/v1/namespaces/team/endpointslices",
                KubeObjects.serviceSlice("team", "b", "web", "10.0.0.2"), null);
        assertEquals(404, r.status(), "namespace team is gone");
    }
}
