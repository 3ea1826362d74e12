package io.nodedns.k8s;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import java.util.ArrayList;
import java.util.List;

/**
 * A running Pod's namespace, name and IPs (for {@code pods verified}); finished pods are dropped.
 * The name is null unless kept ({@link #fromJson(JsonObject)}): only the metadata plugin's
 * {@code kubernetes/client-pod-name} reads it, and a name costs each pod its own string.
 */
public record KubePod(String namespace, String name, List<String> ips) {
    public KubePod {
        ips = List.copyOf(ips);
    }

    /** The pod with its name (a block with metadata publishes it for the client's address). */
    public static KubePod fromJson(JsonObject o) {
        return fromJson(o, true);
    }

    /** The pod without its name: all that {@code pods verified} and autopath need. */
    public static KubePod withoutName(JsonObject o) {
        return fromJson(o, false);
    }

    private static KubePod fromJson(JsonObject o, boolean named) {
        Json.Named id = Json.Named.of(o);
        JsonObject status = Json.object(o, "status");
        String phase = Json.string(status, "phase");
        if (id == null || "Succeeded".equals(phase) || "Failed".equals(phase) || "Unknown".equals(phase)) {
            return null;
        }
        List<String> ips = new ArrayList<>();
        for (JsonElement e : Json.array(status, "podIPs")) {
            if (e.isJsonObject() && Json.string(e.getAsJsonObject(), "ip") != null) {
                ips.add(Json.string(e.getAsJsonObject(), "ip"));
            }
        }
        String ip = Json.string(status, "podIP");
        if (ips.isEmpty() && ip != null) {
            ips.add(ip);
        }
        return new KubePod(id.namespace(), named ? id.name() : null, ips);
    }
}
