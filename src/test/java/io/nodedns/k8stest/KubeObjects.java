package io.nodedns.k8stest;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import java.util.List;
import java.util.Map;

/** Builders for the JSON objects the stand-in serves (shapes as the Kubernetes API serves them: discovery.k8s.io/v1 and multicluster.x-k8s.io). */
public final class KubeObjects {
    public static final String SERVICE_NAME = "kubernetes.io/service-name";
    public static final String MCS_SERVICE_NAME = "multicluster.kubernetes.io/service-name";
    public static final String MCS_SOURCE_CLUSTER = "multicluster.kubernetes.io/source-cluster";

    private KubeObjects() {}

    /** One endpoint of a slice. ready null leaves conditions.ready unset. */
    public record Endpoint(List<String> addresses, Boolean ready, String hostname) {
        public static Endpoint ready(String... addresses) {
            return new Endpoint(List.of(addresses), true, null);
        }
    }

    /** A port of a slice or import. */
    public record Port(String name, String protocol, int port) {
    }

    public static JsonObject namespace(String name) {
        return object("v1", "Namespace", null, name, Map.of());
    }

    public static JsonObject service(String namespace, String name, String clusterIp, Port... ports) {
        JsonObject o = object("v1", "Service", namespace, name, Map.of());
        JsonObject spec = new JsonObject();
        spec.addProperty("type", "ClusterIP");
        spec.addProperty("clusterIP", clusterIp);
        spec.add("ports", ports(ports));
        o.add("spec", spec);
        return o;
    }

    public static JsonObject pod(String namespace, String name, String nodeName, String podIp) {
        JsonObject o = object("v1", "Pod", namespace, name, Map.of());
        JsonObject spec = new JsonObject();
        spec.addProperty("nodeName", nodeName);
        JsonArray containers = new JsonArray();
        JsonObject c = new JsonObject();
        c.addProperty("name", "main");
        c.addProperty("image", "registry.example/app:1");
        containers.add(c);
        spec.add("containers", containers);
        o.add("spec", spec);
        JsonObject status = new JsonObject();
        status.addProperty("phase", "Running");
        status.addProperty("podIP", podIp);
        o.add("status", status);
        return o;
    }

    public static JsonObject endpointSlice(String namespace, String name, Map<String, String> labels,
            String addressType, List<Endpoint> endpoints, Port... ports) {
        JsonObject o = object("discovery.k8s.io/v1", "EndpointSlice", namespace, name, labels);
        o.addProperty("addressType", addressType);
        JsonArray eps = new JsonArray();
        for (Endpoint e : endpoints) {
            JsonObject ep = new JsonObject();
            JsonArray addrs = new JsonArray();
            e.addresses().forEach(addrs::add);
            ep.add("addresses", addrs);
            JsonObject cond = new JsonObject();
            if (e.ready() != null) {
                cond.addProperty("ready", e.ready());
            }
            ep.add("conditions", cond);
            if (e.hostname() != null) {
                ep.addProperty("hostname", e.hostname());
            }
            eps.add(ep);
        }
        o.add("endpoints", eps);
        o.add("ports", ports(ports));
        return o;
    }

    /** A cluster.local slice for Service {@code service}: label kubernetes.io/service-name, IPv4, ready endpoints. */
    public static JsonObject serviceSlice(String namespace, String name, String service, String... addresses) {
        return endpointSlice(namespace, name, Map.of(SERVICE_NAME, service), "IPv4",
                List.of(addresses).stream().map(Endpoint::ready).toList(), new Port("dns", "UDP", 53));
    }

    /** An MCS ServiceImport at the given version (e.g. "v1alpha1"). */
    public static JsonObject serviceImport(String version, String namespace, String name, String type,
            List<String> ips, Port... ports) {
        JsonObject o = object(ResourceType.MCS_GROUP + "/" + version, "ServiceImport", namespace, name, Map.of());
        JsonObject spec = new JsonObject();
        spec.addProperty("type", type);
        JsonArray ipArray = new JsonArray();
        ips.forEach(ipArray::add);
        spec.add("ips", ipArray);
        spec.add("ports", ports(ports));
        o.add("spec", spec);
        return o;
    }

    /** Sets (or replaces) one label on a copy. */
    public static JsonObject withLabel(JsonObject o, String key, String value) {
        JsonObject c = o.deepCopy();
        JsonObject meta = c.getAsJsonObject("metadata");
        if (!(meta.get("labels") instanceof JsonObject)) {
            meta.add("labels", new JsonObject());
        }
        meta.getAsJsonObject("labels").addProperty(key, value);
        return c;
    }

    /** A copy of the EndpointSlice whose endpoint number {@code endpoint} has a targetRef to Pod {@code pod}. */
    public static JsonObject withPodRef(JsonObject slice, int endpoint, String pod) {
        JsonObject c = slice.deepCopy();
        JsonObject ref = new JsonObject();
        ref.addProperty("kind", "Pod");
        ref.addProperty("name", pod);
        c.getAsJsonArray("endpoints").get(endpoint).getAsJsonObject().add("targetRef", ref);
        return c;
    }

    private static JsonObject object(String apiVersion, String kind, String namespace, String name,
            Map<String, String> labels) {
        JsonObject o = new JsonObject();
        o.addProperty("apiVersion", apiVersion);
        o.addProperty("kind", kind);
        JsonObject meta = new JsonObject();
        meta.addProperty("name", name);
        if (namespace != null) {
            meta.addProperty("namespace", namespace);
        }
        if (!labels.isEmpty()) {
            JsonObject l = new JsonObject();
            labels.forEach(l::addProperty);
            meta.add("labels", l);
        }
        o.add("metadata", meta);
        return o;
    }

    private static JsonArray ports(Port... ports) {
        JsonArray a = new JsonArray();
        for (Port p : ports) {
            JsonObject j = new JsonObject();
            if (p.name() != null) {
                j.addProperty("name", p.name());
            }
            j.addProperty("protocol", p.protocol());
            j.addProperty("port", p.port());
            a.add(j);
        }
        return a;
    }
}
