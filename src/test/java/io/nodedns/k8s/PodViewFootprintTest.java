package io.nodedns.k8s;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import io.nodedns.k8stest.KubeObjects;
import io.nodedns.testing.Heap;
import java.util.HashMap;
import java.util.Map;
import java.util.function.Function;
import org.junit.jupiter.api.Test;

/**
 * What {@code pods verified} keeps per pod, as the pod watcher and the view hold it (the watcher's
 * {@code ns/name} key and pod, the view's IP index), with and without the pods' names (a block with
 * metadata keeps them for kubernetes/client-pod-name): docs/operations.md quotes these figures.
 */
class PodViewFootprintTest {
    private static final int PODS = Integer.getInteger("pods", 10_000);

    @Test
    void aPodsNameCostsItsOwnStringOnly() throws Exception {
        String[] texts = new String[PODS];
        for (int i = 0; i < PODS; i++) { // a Deployment's pod name: NAME-HASH-SUFFIX, 28 characters
            String name = String.format("checkout-api-7d9f8c6b5-%05d", i);
            texts[i] = KubeObjects.pod("shop-" + (i % 20), name, "node-1",
                    "10." + (i >> 16 & 255) + "." + (i >> 8 & 255) + "." + (i & 255)).toString();
        }
        double without = perPod(texts, KubePod::withoutName);
        double with = perPod(texts, KubePod::fromJson);
        System.out.printf("pod view: %d pods, %.1f bytes/pod without names, %.1f with (+%.1f)%n", PODS, without, with,
                with - without);
        assertTrue(with - without > 40 && with - without < 100,
                "a 28-character name is one String and its bytes: " + (with - without));
        assertTrue(without < 600, without + " bytes per pod");
    }

    /** Heap retained per pod by a watcher cache and a view holding {@code texts} parsed and converted. */
    private static double perPod(String[] texts, Function<JsonObject, KubePod> convert) throws Exception {
        long before = Heap.usedAfterGc();
        Map<String, KubePod> cache = new HashMap<>();
        ClusterView view = new ClusterView();
        for (String text : texts) { // the parsed object goes: only what the converter took from it stays
            JsonObject o = JsonParser.parseString(text).getAsJsonObject();
            KubePod p = convert.apply(o);
            cache.put(ResourceLister.key(o), p);
            view.pod(null, p);
        }
        long after = Heap.usedAfterGc();
        assertEquals(texts.length, cache.size());
        assertEquals("shop-1", view.podWithIp(PodIp.of("10.0.0.1")).namespace());
        return (after - before) / (double) texts.length;
    }
}
