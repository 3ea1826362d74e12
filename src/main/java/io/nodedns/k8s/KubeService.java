package io.nodedns.k8s;

import com.google.gson.JsonObject;
import java.util.ArrayList;
import java.util.List;

/**
 * The parts of a v1 Service that DNS uses, read leniently. {@code clusterIPs} holds the ClusterIPs
 * (dual-stack aware, "None" removed); a headless Service has none; an ExternalName Service has its
 * {@code externalName}. {@code externalIPs} are what k8s_external serves, in CoreDNS's order:
 * {@code spec.externalIPs}, then each {@code status.loadBalancer.ingress} entry's IP, else its hostname.
 */
public record KubeService(String namespace, String name, boolean headless, String externalName, List<String> clusterIPs,
        List<Slice.Port> ports, List<String> externalIPs) {

    public KubeService {
        clusterIPs = List.copyOf(clusterIPs);
        ports = List.copyOf(ports);
        externalIPs = List.copyOf(externalIPs);
    }

    /** A Service without external addresses. */
    public KubeService(String namespace, String name, boolean headless, String externalName, List<String> clusterIPs,
            List<Slice.Port> ports) {
        this(namespace, name, headless, externalName, clusterIPs, ports, List.of());
    }

    public boolean isExternalName() {
        return externalName != null;
    }

    public static KubeService fromJson(JsonObject o) {
        Json.Named id = Json.Named.of(o);
        if (id == null) {
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
        List<String> external = new ArrayList<>(Json.strings(spec, "externalIPs"));
        for (com.google.gson.JsonElement e : Json.array(Json.object(Json.object(o, "status"), "loadBalancer"),
                "ingress")) {
            if (e.isJsonObject()) {
                String ip = Json.string(e.getAsJsonObject(), "ip");
                String host = Json.string(e.getAsJsonObject(), "hostname");
                if (ip != null && !ip.isEmpty()) {
                    external.add(ip);
                } else if (host != null && !host.isEmpty()) {
                    external.add(host);
                }
            }
        }
        external.removeIf(String::isEmpty);
        return new KubeService(id.namespace(), id.name(), headless && ext == null, ext, ips, Slice.Port.listOf(spec),
                external);
    }
}
