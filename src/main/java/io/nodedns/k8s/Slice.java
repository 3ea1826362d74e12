package io.nodedns.k8s;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The parts of a {@code discovery.k8s.io/v1} EndpointSlice that DNS uses, read leniently from its
 * JSON. Endpoint conditions keep null for "unset" (ready unset counts as ready); a port's number is
 * null when the slice says "all ports".
 */
public record Slice(String namespace, String name, String resourceVersion, Map<String, String> labels,
        String addressType, List<Endpoint> endpoints, List<Port> ports) {

    public record Endpoint(List<String> addresses, Boolean ready, Boolean serving, String hostname,
            String podName, String nodeName) {
        /** ready true or unset. */
        public boolean isReady() {
            return ready == null || ready;
        }
    }

    public record Port(String name, String protocol, Integer port) {
        /**
         * The {@code ports} of a slice, Service spec or ServiceImport spec; the protocol defaults to
         * TCP (unset or empty), as the API server defaults it.
         */
        static List<Port> listOf(JsonObject holder) {
            List<Port> ports = new ArrayList<>();
            for (JsonElement e : Json.array(holder, "ports")) {
                if (e.isJsonObject()) {
                    JsonObject p = e.getAsJsonObject();
                    String proto = Json.string(p, "protocol");
                    ports.add(new Port(Json.string(p, "name"), proto == null || proto.isEmpty() ? "TCP" : proto,
                            Json.integer(p, "port")));
                }
            }
            return ports;
        }
    }

    public Slice {
        labels = Map.copyOf(labels);
        endpoints = List.copyOf(endpoints);
        ports = List.copyOf(ports);
    }

    public String label(String key) {
        return labels.get(key);
    }

    /** The slice, or null for an object without a name or namespace. */
    public static Slice fromJson(JsonObject o) {
        Json.Named id = Json.Named.of(o);
        if (id == null) {
            return null;
        }
        JsonObject meta = Json.object(o, "metadata");
        List<Endpoint> eps = new ArrayList<>();
        for (JsonElement e : Json.array(o, "endpoints")) {
            if (!e.isJsonObject()) {
                continue;
            }
            JsonObject ep = e.getAsJsonObject();
            JsonObject cond = Json.object(ep, "conditions");
            JsonObject ref = Json.object(ep, "targetRef");
            String pod = ref != null && "Pod".equals(Json.string(ref, "kind")) ? Json.string(ref, "name") : null;
            eps.add(new Endpoint(Json.strings(ep, "addresses"), Json.bool(cond, "ready"), Json.bool(cond, "serving"),
                    Json.string(ep, "hostname"), pod, Json.string(ep, "nodeName")));
        }
        return new Slice(id.namespace(), id.name(), Json.string(meta, "resourceVersion"), Json.labels(meta),
                Json.string(o, "addressType"), eps, Port.listOf(o));
    }
}
