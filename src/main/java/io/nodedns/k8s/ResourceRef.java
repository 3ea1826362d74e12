package io.nodedns.k8s;

/**
 * One resource of the API server, by group, version and plural, plus the name log lines use for it
 * ("EndpointSlices", "ServiceImports"). Builds the REST paths list and watch requests go to.
 */
public record ResourceRef(String group, String version, String plural, String logName) {
    public static final ResourceRef SERVICES = new ResourceRef("", "v1", "services", "Services");
    public static final ResourceRef NAMESPACES = new ResourceRef("", "v1", "namespaces", "Namespaces");
    public static final ResourceRef PODS = new ResourceRef("", "v1", "pods", "Pods");
    public static final ResourceRef ENDPOINT_SLICES = new ResourceRef("discovery.k8s.io", "v1", "endpointslices",
            "EndpointSlices");
    public static final String MCS_GROUP = "multicluster.x-k8s.io";

    public static ResourceRef serviceImports(String version) {
        return new ResourceRef(MCS_GROUP, version, "serviceimports", "ServiceImports");
    }

    /** The collection's path: in one namespace, or across all when {@code namespace} is null. */
    public String path(String namespace) {
        String base = group.isEmpty() ? "/api/" + version : "/apis/" + group + "/" + version;
        return namespace == null ? base + "/" + plural : base + "/namespaces/" + namespace + "/" + plural;
    }
}
