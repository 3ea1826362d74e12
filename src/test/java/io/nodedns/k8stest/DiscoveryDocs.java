package io.nodedns.k8stest;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The discovery documents: /api (APIVersions), /apis (APIGroupList), /apis/GROUP (APIGroup), /api/v1 and
 * /apis/GROUP/VERSION (APIResourceList), /version (VersionInfo). Only the fields the client's strict models
 * know are emitted (client-java rejects unknown fields).
 */
final class DiscoveryDocs {
    private static final List<String> VERBS = List.of("create", "delete", "deletecollection", "get", "list",
            "patch", "update", "watch");

    private final List<ResourceType> types;
    private final String serverAddress;

    DiscoveryDocs(List<ResourceType> types, String serverAddress) {
        this.types = types;
        this.serverAddress = serverAddress;
    }

    /** The document for a discovery path, or null if the path is not a discovery path. */
    JsonObject forPath(String path) {
        String[] seg = path.replaceAll("^/+|/+$", "").split("/");
        if (path.equals("/version") || path.equals("/version/")) {
            return version();
        }
        if (seg[0].equals("api")) {
            if (seg.length == 1) {
                return apiVersions();
            }
            if (seg.length == 2) {
                return resourceList("", seg[1]);
            }
        }
        if (seg[0].equals("apis")) {
            if (seg.length == 1) {
                return groupList();
            }
            if (seg.length == 2) {
                return group(seg[1]);
            }
            if (seg.length == 3) {
                return resourceList(seg[1], seg[2]);
            }
        }
        return null;
    }

    boolean isDiscoveryPath(String path) {
        String[] seg = path.replaceAll("^/+|/+$", "").split("/");
        return path.startsWith("/version") || (seg[0].equals("api") && seg.length <= 2)
                || (seg[0].equals("apis") && seg.length <= 3);
    }

    private JsonObject apiVersions() {
        JsonObject o = typed("APIVersions", null);
        JsonArray versions = new JsonArray();
        types.stream().filter(t -> t.group().isEmpty()).flatMap(t -> t.versions().stream()).distinct()
                .forEach(versions::add);
        o.add("versions", versions);
        o.add("serverAddressByClientCIDRs", addresses());
        return o;
    }

    private JsonObject groupList() {
        JsonObject o = typed("APIGroupList", "v1");
        JsonArray groups = new JsonArray();
        groups().keySet().forEach(g -> groups.add(groupBody(g)));
        o.add("groups", groups);
        return o;
    }

    private JsonObject group(String name) {
        if (!groups().containsKey(name)) {
            return notFound();
        }
        JsonObject o = typed("APIGroup", "v1");
        groupBody(name).entrySet().forEach(e -> o.add(e.getKey(), e.getValue()));
        return o;
    }

    private JsonObject groupBody(String name) {
        List<String> versions = groups().get(name);
        JsonObject g = new JsonObject();
        g.addProperty("name", name);
        JsonArray vs = new JsonArray();
        for (String v : versions) {
            vs.add(groupVersion(name, v));
        }
        g.add("versions", vs);
        g.add("preferredVersion", groupVersion(name, versions.getFirst()));
        return g;
    }

    private JsonObject resourceList(String group, String version) {
        List<ResourceType> served = types.stream()
                .filter(t -> t.group().equals(group) && t.serves(version)).toList();
        if (served.isEmpty()) {
            return notFound();
        }
        JsonObject o = typed("APIResourceList", "v1");
        o.addProperty("groupVersion", served.getFirst().apiVersion(version));
        JsonArray resources = new JsonArray();
        for (ResourceType t : served) {
            JsonObject r = new JsonObject();
            r.addProperty("name", t.plural());
            r.addProperty("singularName", t.singular());
            r.addProperty("namespaced", t.namespaced());
            r.addProperty("kind", t.kind());
            JsonArray verbs = new JsonArray();
            VERBS.forEach(verbs::add);
            r.add("verbs", verbs);
            if (!t.shortNames().isEmpty()) {
                JsonArray sn = new JsonArray();
                t.shortNames().forEach(sn::add);
                r.add("shortNames", sn);
            }
            resources.add(r);
        }
        o.add("resources", resources);
        return o;
    }

    private JsonObject version() {
        JsonObject o = new JsonObject();
        o.addProperty("major", "1");
        o.addProperty("minor", "33");
        o.addProperty("emulationMajor", "1");
        o.addProperty("emulationMinor", "33");
        o.addProperty("minCompatibilityMajor", "1");
        o.addProperty("minCompatibilityMinor", "32");
        o.addProperty("gitVersion", "v1.33.0-nodedns-standin");
        o.addProperty("gitCommit", "0000000000000000000000000000000000000000");
        o.addProperty("gitTreeState", "clean");
        o.addProperty("buildDate", "2026-01-01T00:00:00Z");
        o.addProperty("goVersion", "go1.24.0");
        o.addProperty("compiler", "gc");
        o.addProperty("platform", "linux/amd64");
        return o;
    }

    /** Groups (not the core group) in registration order, with versions most preferred first. */
    private Map<String, List<String>> groups() {
        Map<String, List<String>> out = new LinkedHashMap<>();
        for (ResourceType t : types) {
            if (!t.group().isEmpty()) {
                out.merge(t.group(), t.versions(), (a, b) -> a.size() >= b.size() ? a : b);
            }
        }
        return out;
    }

    private static JsonObject groupVersion(String group, String version) {
        JsonObject v = new JsonObject();
        v.addProperty("groupVersion", group + "/" + version);
        v.addProperty("version", version);
        return v;
    }

    private JsonArray addresses() {
        JsonArray a = new JsonArray();
        JsonObject cidr = new JsonObject();
        cidr.addProperty("clientCIDR", "0.0.0.0/0");
        cidr.addProperty("serverAddress", serverAddress);
        a.add(cidr);
        return a;
    }

    private static JsonObject typed(String kind, String apiVersion) {
        JsonObject o = new JsonObject();
        o.addProperty("kind", kind);
        if (apiVersion != null) {
            o.addProperty("apiVersion", apiVersion);
        }
        return o;
    }

    private static JsonObject notFound() {
        return new ApiError(404, "NotFound", "the server could not find the requested resource").status();
    }
}
