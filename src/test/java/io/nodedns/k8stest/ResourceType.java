package io.nodedns.k8stest;

import com.google.gson.JsonObject;
import java.util.List;
import java.util.Set;

/**
 * One resource the stand-in API server serves. All served versions share one storage (like a CRD with
 * several served versions): an object written at one version is read back at another with only
 * {@code apiVersion} rewritten.
 *
 * @param group API group, "" for the core group
 * @param versions served versions, most preferred first (the first one is the preferred version)
 * @param plural resource name in URLs
 * @param singular singular name (discovery)
 * @param kind object kind; the list kind is {@code kind + "List"}
 * @param namespaced whether objects live in namespaces
 * @param shortNames discovery short names
 * @param fieldLabels field selector labels accepted besides metadata.name and metadata.namespace
 * @param builtin built-in types: list items carry no kind/apiVersion (like the real API server)
 * @param returnsDeletedObject DELETE answers with the deleted object instead of a Status
 * @param tracksGeneration metadata.generation is set on create and bumped on non-metadata/status change
 * @param zeroFields fields a Go zero value of the type serializes (used in BOOKMARK objects, so strict
 *     typed clients find their required fields)
 */
public record ResourceType(
        String group,
        List<String> versions,
        String plural,
        String singular,
        String kind,
        boolean namespaced,
        List<String> shortNames,
        Set<String> fieldLabels,
        boolean builtin,
        boolean returnsDeletedObject,
        boolean tracksGeneration,
        JsonObject zeroFields) {

    public static final String MCS_GROUP = "multicluster.x-k8s.io";

    public static final ResourceType ENDPOINT_SLICES = new ResourceType(
            "discovery.k8s.io", List.of("v1"), "endpointslices", "endpointslice", "EndpointSlice", true,
            List.of(), Set.of(), true, false, true, zero("addressType", ""));

    public static final ResourceType SERVICES = new ResourceType(
            "", List.of("v1"), "services", "service", "Service", true, List.of("svc"),
            Set.of("spec.clusterIP", "spec.type"), true, true, false, new JsonObject());

    public static final ResourceType NAMESPACES = new ResourceType(
            "", List.of("v1"), "namespaces", "namespace", "Namespace", false, List.of("ns"),
            Set.of("status.phase"), true, false, false, new JsonObject());

    public static final ResourceType PODS = new ResourceType(
            "", List.of("v1"), "pods", "pod", "Pod", true, List.of("po"),
            Set.of("spec.nodeName", "spec.restartPolicy", "spec.schedulerName", "spec.serviceAccountName",
                    "spec.hostNetwork", "status.phase", "status.podIP", "status.nominatedNodeName"),
            true, true, false, new JsonObject());

    /** ServiceImport (mcs-api) served at the given versions, e.g. "v1beta1", "v1alpha1". */
    public static ResourceType serviceImports(List<String> versions) {
        if (versions.isEmpty()) {
            throw new IllegalArgumentException("ServiceImport needs at least one served version");
        }
        return new ResourceType(MCS_GROUP, List.copyOf(versions), "serviceimports", "serviceimport",
                "ServiceImport", true, List.of("svcim", "svcimport"), Set.of(), false, false, true,
                new JsonObject());
    }

    public ResourceType {
        versions = List.copyOf(versions);
        shortNames = List.copyOf(shortNames);
        fieldLabels = Set.copyOf(fieldLabels);
        zeroFields = zeroFields.deepCopy();
    }

    /** "group/version", or just "version" for the core group. */
    public String apiVersion(String version) {
        return group.isEmpty() ? version : group + "/" + version;
    }

    public String preferredVersion() {
        return versions.getFirst();
    }

    public boolean serves(String version) {
        return versions.contains(version);
    }

    /** Storage identity shared by all versions: "plural.group" (like "endpointslices.discovery.k8s.io"). */
    public String resourceName() {
        return group.isEmpty() ? plural : plural + "." + group;
    }

    /** URL prefix for a version: /api/v1 or /apis/GROUP/VERSION. */
    public String basePath(String version) {
        return group.isEmpty() ? "/api/" + version : "/apis/" + group + "/" + version;
    }

    /** Collection path, namespaced when namespace is non-null and the type is namespaced. */
    public String collectionPath(String version, String namespace) {
        return namespaced && namespace != null
                ? basePath(version) + "/namespaces/" + namespace + "/" + plural
                : basePath(version) + "/" + plural;
    }

    private static JsonObject zero(String field, String value) {
        JsonObject o = new JsonObject();
        o.addProperty(field, value);
        return o;
    }
}
