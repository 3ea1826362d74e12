package io.nodedns.k8stest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonObject;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Label and field selector parsing and matching, with Kubernetes' semantics. */
class SelectorParseTest {
    private static JsonObject labelled(Map<String, String> labels) {
        return KubeObjects.endpointSlice("ns", "n", labels, "IPv4", List.of());
    }

    private static boolean sel(String selector, Map<String, String> labels) {
        return LabelSelector.parse(selector).matches(labelled(labels));
    }

    @Test
    void labelOperators() {
        Map<String, String> web = Map.of("app", "web", "tier", "front", "n", "5");
        assertTrue(sel("", web));
        assertTrue(sel("app=web", web));
        assertTrue(sel("app == web", web));
        assertFalse(sel("app!=web", web));
        assertTrue(sel("other!=x", web), "!= matches a missing label");
        assertTrue(sel("app in (db, web)", web));
        assertFalse(sel("app notin (db,web)", web));
        assertTrue(sel("other notin (x)", web), "notin matches a missing label");
        assertTrue(sel("app", web));
        assertFalse(sel("!app", web));
        assertTrue(sel("!other", web));
        assertTrue(sel("app=web,tier=front", web));
        assertFalse(sel("app=web,tier=back", web));
        assertTrue(sel("n>4,n<6", web));
        assertFalse(sel("n>5", web));
        assertTrue(sel("example.com/role", Map.of("example.com/role", "")));
        assertTrue(sel("empty=", Map.of("empty", "")));
        assertTrue(sel("multicluster.kubernetes.io/service-name",
                Map.of("multicluster.kubernetes.io/service-name", "svc1")));
    }

    @Test
    void malformedLabelSelectorsAre400() {
        for (String bad : List.of("app in web", "app in ()", "=x", "app===x", "app=a b", "-bad=x", "app in (a", "n>x",
                ",")) {
            ApiError e = assertThrows(ApiError.class, () -> LabelSelector.parse(bad), bad);
            assertEquals(400, e.code(), bad);
        }
    }

    @Test
    void fieldSelectors() {
        JsonObject pod = KubeObjects.pod("ns1", "p,1", "node-a", "10.0.0.1");
        assertTrue(FieldSelector.parse("metadata.name=p\\,1", ResourceType.PODS).matches(pod));
        assertTrue(FieldSelector.parse("metadata.namespace==ns1,spec.nodeName=node-a", ResourceType.PODS).matches(pod));
        assertFalse(FieldSelector.parse("spec.nodeName!=node-a", ResourceType.PODS).matches(pod));
        assertTrue(FieldSelector.parse("status.phase=Running", ResourceType.PODS).matches(pod));
        assertEquals(400, assertThrows(ApiError.class,
                () -> FieldSelector.parse("spec.nodeName=x", ResourceType.ENDPOINT_SLICES)).code());
        assertEquals(400,
                assertThrows(ApiError.class, () -> FieldSelector.parse("nonsense", ResourceType.PODS)).code());
    }
}
