package io.nodedns.k8s;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.code_intelligence.jazzer.junit.FuzzTest;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import com.google.gson.JsonParser;
import io.nodedns.testing.FuzzBudget;
import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * Fuzzes the API object conversions the watchers apply to whatever the API server sends
 * (EndpointSlice, Service, ServiceImport, Pod). The input is parsed as JSON with Gson, as the
 * client does; anything that is not an object is skipped. Each conversion must return null or a
 * well-formed value (names set, lists non-null without null elements, IP lists holding only IP
 * literals), never throw. Regression inputs:
 * {@code src/test/resources/io/nodedns/k8s/ApiObjectFuzzTestInputs/apiObject/}.
 */
class ApiObjectFuzzTest {

    @FuzzTest(maxExecutions = FuzzBudget.EXECUTIONS)
    void apiObject(byte[] data) {
        JsonElement parsed;
        try {
            parsed = JsonParser.parseString(new String(data, StandardCharsets.UTF_8));
        } catch (JsonParseException | StackOverflowError notJson) {
            return;
        }
        if (!parsed.isJsonObject()) {
            return;
        }
        JsonObject o = parsed.getAsJsonObject();
        boolean named = Json.string(Json.object(o, "metadata"), "name") != null
                && Json.string(Json.object(o, "metadata"), "namespace") != null;

        Slice slice = Slice.fromJson(o);
        assertEquals(named, slice != null);
        if (slice != null) {
            checkNamed(slice.namespace(), slice.name(), o);
            assertNotNull(slice.labels());
            for (Slice.Endpoint e : noNulls(slice.endpoints())) {
                noNulls(e.addresses());
                e.isReady();
            }
            checkPorts(slice.ports());
        }

        KubeService service = KubeService.fromJson(o);
        assertEquals(named, service != null);
        if (service != null) {
            checkNamed(service.namespace(), service.name(), o);
            checkIps(service.clusterIPs());
            checkPorts(service.ports());
            assertFalse(service.headless() && service.isExternalName(), "headless and ExternalName");
        }

        KubeServiceImport imported = KubeServiceImport.fromJson(o);
        assertEquals(named, imported != null);
        if (imported != null) {
            checkNamed(imported.namespace(), imported.name(), o);
            checkIps(imported.ips());
            for (Slice.Port p : checkPorts(imported.ports())) {
                assertFalse(p.protocol().isEmpty(), "empty protocol");
            }
        }

        KubePod pod = KubePod.fromJson(o);
        if (!named) {
            assertNull(pod);
        }
        if (pod != null) {
            checkNamed(pod.namespace(), pod.name(), o);
            noNulls(pod.ips());
            String phase = Json.string(Json.object(o, "status"), "phase");
            assertFalse("Succeeded".equals(phase) || "Failed".equals(phase) || "Unknown".equals(phase), phase);
        }
    }

    private static void checkNamed(String namespace, String name, JsonObject o) {
        JsonObject meta = Json.object(o, "metadata");
        assertEquals(Json.string(meta, "namespace"), namespace);
        assertEquals(Json.string(meta, "name"), name);
    }

    private static void checkIps(List<String> ips) {
        for (String ip : noNulls(ips)) {
            assertNotNull(HostPorts.literal(ip), ip);
        }
    }

    private static List<Slice.Port> checkPorts(List<Slice.Port> ports) {
        for (Slice.Port p : noNulls(ports)) {
            assertNotNull(p.protocol());
        }
        return ports;
    }

    private static <T> List<T> noNulls(List<T> list) {
        assertNotNull(list);
        for (T t : list) {
            assertTrue(t != null, "null element");
        }
        return list;
    }
}
