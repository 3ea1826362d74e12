package io.nodedns.k8s;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import java.util.ArrayList;
import java.util.List;

/**
 * The parts of a v1 Service that DNS uses, read leniently. {@code clusterIPs} holds the ClusterIPs
 * (dual-stack aware, "None" removed); a headless Service has none; an ExternalName Service has its
 * {@code externalName}.
 */
public record KubeService(String namespace, String name, boolean headless, String externalName, List<String> clusterIPs,
        List<Slice.Port> ports) {

    public KubeService {
        clusterIPs = List.copyOf(clusterIPs);
        ports = List.copyOf(ports);
    }

    public boolean isExternalName() {
        return externalName != null;
    }

    public static KubeService fromJson(JsonObject o) {
        JsonObject meta = Json.object(o, "metadata");
        String name = Json.string(meta, "name");
        String ns = Json.string(meta, "namespace");
        if (name == null || ns == null) {
            return null;
        }
        JsonObject spec = Json.object(o, "spec");
        String type = Json.string(spec, "type");
        List<String> ips = new ArrayList<>(Json.strings(spec, "clusterIPs"));
        String single = Json.string(spec, "clusterIP");
        if (ips.isEmpty() && single != null) {
            ips.add(single);
        }
        boolean headless = ips.contains("None");
        ips.removeIf(ip -> ip.isEmpty() || "None".equals(ip) || HostPorts.literal(ip) == null);
        String ext = "ExternalName".equals(type) ? Json.string(spec, "externalName") : null;
        List<Slice.Port> ports = new ArrayList<>();
        for (JsonElement e : Json.array(spec, "ports")) {
            if (e.isJsonObject()) {
                JsonObject p = e.getAsJsonObject();
                String proto = Json.string(p, "protocol");
                ports.add(new Slice.Port(Json.string(p, "name"), proto == null ? "TCP" : proto, Json.integer(p, "port")));
            }
        }
        return new KubeService(ns, name, headless && ext == null, ext, ips, ports);
    }
}
