package io.nodedns.k8s;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import java.util.ArrayList;
import java.util.List;

/** A running Pod's namespace and IPs (for {@code pods verified}); finished pods are dropped. */
public record KubePod(String namespace, String name, List<String> ips) {
    public KubePod {
        ips = List.copyOf(ips);
    }

    public static KubePod fromJson(JsonObject o) {
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
        return new KubePod(id.namespace(), id.name(), ips);
    }
}
