package io.nodedns.k8s;

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
        Json.Named id = Json.Named.of(o);
        if (id == null) {
            return null;
        }
        JsonObject spec = Json.object(o, "spec");
        boolean headless = "Headless".equals(Json.string(spec, "type"));
        List<String> ips = new ArrayList<>(Json.strings(spec, "ips"));
        ips.removeIf(ip -> HostPorts.literal(ip) == null);
        return new KubeServiceImport(id.namespace(), id.name(), headless, ips, Slice.Port.listOf(spec));
    }
}
