package io.nodedns.k8s;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Lenient reads of API objects: a missing or mistyped field reads as absent instead of failing the
 * whole object (client-java's generated models reject unknown fields, which a newer API server can send).
 */
final class Json {
    private Json() {}

    /** metadata.namespace and metadata.name of a namespaced object. */
    record Named(String namespace, String name) {
        /** Null when the object has no name or no namespace (it cannot be kept). */
        static Named of(JsonObject o) {
            JsonObject meta = object(o, "metadata");
            String name = string(meta, "name");
            String ns = string(meta, "namespace");
            return name == null || ns == null ? null : new Named(ns, name);
        }
    }

    static JsonObject object(JsonObject o, String field) {
        JsonElement e = o == null ? null : o.get(field);
        return e != null && e.isJsonObject() ? e.getAsJsonObject() : null;
    }

    static JsonArray array(JsonObject o, String field) {
        JsonElement e = o == null ? null : o.get(field);
        return e != null && e.isJsonArray() ? e.getAsJsonArray() : new JsonArray();
    }

    static String string(JsonObject o, String field) {
        JsonElement e = o == null ? null : o.get(field);
        return e != null && e.isJsonPrimitive() ? e.getAsString() : null;
    }

    static Boolean bool(JsonObject o, String field) {
        JsonElement e = o == null ? null : o.get(field);
        return e != null && e.isJsonPrimitive() && e.getAsJsonPrimitive().isBoolean() ? e.getAsBoolean() : null;
    }

    static Integer integer(JsonObject o, String field) {
        JsonElement e = o == null ? null : o.get(field);
        if (e == null || !e.isJsonPrimitive() || !e.getAsJsonPrimitive().isNumber()) {
            return null;
        }
        double d = e.getAsDouble();
        return d == Math.rint(d) && Math.abs(d) <= Integer.MAX_VALUE ? (int) d : null;
    }

    static List<String> strings(JsonObject o, String field) {
        List<String> out = new ArrayList<>();
        for (JsonElement e : array(o, field)) {
            if (e.isJsonPrimitive()) {
                out.add(e.getAsString());
            }
        }
        return List.copyOf(out);
    }

    static Map<String, String> labels(JsonObject meta) {
        JsonObject l = object(meta, "labels");
        if (l == null) {
            return Map.of();
        }
        Map<String, String> out = new TreeMap<>();
        for (Map.Entry<String, JsonElement> e : l.entrySet()) {
            if (e.getValue().isJsonPrimitive()) {
                out.put(e.getKey(), e.getValue().getAsString());
            }
        }
        return Map.copyOf(out);
    }
}
