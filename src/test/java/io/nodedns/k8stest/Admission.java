package io.nodedns.k8stest;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;

/**
 * What the API server does to an object before storing it, reduced to what watcher tests need: type meta
 * checks and ordering, name/namespace checks, the EndpointSlice addressType enum and the ServiceImport
 * spec.type enum (the CRD schema's required enum), generateName suffixes, and what counts as a spec change.
 */
final class Admission {
    private Admission() {}

    /** Copies the input, checks kind/apiVersion, puts kind, apiVersion and metadata first. */
    static JsonObject normalize(ResourceType type, JsonObject input) {
        String kind = input.has("kind") ? input.get("kind").getAsString() : type.kind();
        if (!kind.equals(type.kind())) {
            throw ApiError.badRequest("the kind \"" + kind + "\" of the object does not match " + type.kind());
        }
        String apiVersion = input.has("apiVersion")
                ? input.get("apiVersion").getAsString()
                : type.apiVersion(type.preferredVersion());
        if (type.versions().stream().noneMatch(v -> type.apiVersion(v).equals(apiVersion))) {
            throw ApiError.badRequest("the API version \"" + apiVersion + "\" of the object is not served for "
                    + type.resourceName());
        }
        JsonObject copy = input.deepCopy();
        if (!(copy.get("metadata") instanceof JsonObject)) {
            copy.add("metadata", new JsonObject());
        }
        JsonObject meta = Json.metadata(copy);
        if (!type.namespaced()) {
            meta.remove("namespace");
        }
        return Json.withTypeMeta(copy, kind, type.apiVersion(type.preferredVersion())); // storage version
    }

    static void validate(ResourceType type, JsonObject obj, String name) {
        if (name == null || name.isEmpty()) {
            throw ApiError.invalid(type, "", "metadata.name: Required value: name or generateName is required");
        }
        if (name.contains("/") || name.length() > 253) {
            throw ApiError.invalid(type, name, "metadata.name: Invalid value: \"" + name + "\"");
        }
        if (type.namespaced() && (Json.meta(obj, "namespace") == null || Json.meta(obj, "namespace").isEmpty())) {
            throw ApiError.badRequest("the namespace of the object (" + type.kind() + " " + name + ") is required");
        }
        if (type.kind().equals("EndpointSlice")) {
            JsonElement at = obj.get("addressType");
            String v = at == null || at.isJsonNull() ? "" : at.getAsString();
            if (!Set.of("IPv4", "IPv6", "FQDN").contains(v)) {
                throw ApiError.invalid(type, name, "addressType: Unsupported value: \"" + v
                        + "\": supported values: \"FQDN\", \"IPv4\", \"IPv6\"");
            }
        }
        if (type.kind().equals("ServiceImport") && type.group().equals(ResourceType.MCS_GROUP)) {
            String t = FieldSelector.valueOf(obj, "spec.type");
            if (!t.equals("ClusterSetIP") && !t.equals("Headless")) {
                throw ApiError.invalid(type, name, "spec.type: Unsupported value: \"" + t
                        + "\": supported values: \"ClusterSetIP\", \"Headless\"");
            }
        }
    }

    /** Everything but metadata and status: what bumps metadata.generation. */
    static JsonObject specOf(JsonObject o) {
        JsonObject c = new JsonObject();
        o.entrySet().stream()
                .filter(e -> !Set.of("metadata", "status", "kind", "apiVersion").contains(e.getKey()))
                .forEach(e -> c.add(e.getKey(), e.getValue()));
        return c;
    }

    static String randomSuffix() {
        String alphabet = "bcdfghjklmnpqrstvwxz2456789";
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < 5; i++) {
            b.append(alphabet.charAt(ThreadLocalRandom.current().nextInt(alphabet.length())));
        }
        return b.toString();
    }
}
