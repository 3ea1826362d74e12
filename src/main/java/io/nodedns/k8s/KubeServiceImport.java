package io.nodedns.k8s;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import java.util.ArrayList;
import java.util.List;

/**
 * The parts of an mcs-api ServiceImport that DNS uses, read leniently. A missing type counts as
 * ClusterSetIP; a port with an empty protocol is TCP (docs/decisions.md, multicluster 6).
 */
public record KubeServiceImport(String namespace, String name, boolean headless, List<String> ips,
        List<Slice.Port> ports) {

    public KubeServiceImport {
        ips = List.copyOf(ips);
        ports = List.copyOf(ports);
    }

    public static KubeServiceImport fromJson(JsonObject o) {
        JsonObject meta = Json.object(o, "metadata");
        String name = Json.string(meta, "name");
        String ns = Json.string(meta, "namespace");
        if (name == null || ns == null) {
            return null;
        }
        JsonObject spec = Json.object(o, "spec");
        boolean headless = "Headless".equals(Json.string(spec, "type"));
        List<String> ips = new ArrayList<>(Json.strings(spec, "ips"));
        ips.removeIf(ip -> HostPorts.literal(ip) == null);
        List<Slice.Port> ports = new ArrayList<>();
        for (JsonElement e : Json.array(spec, "ports")) {
            if (e.isJsonObject()) {
                JsonObject p = e.getAsJsonObject();
                String proto = Json.string(p, "protocol");
                ports.add(new Slice.Port(Json.string(p, "name"), proto == null || proto.isEmpty() ? "TCP" : proto,
                        Json.integer(p, "port")));
            }
        }
        return new KubeServiceImport(ns, name, headless, ips, ports);
    }
}
