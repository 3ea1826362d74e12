package io.nodedns.k8stest;

import com.google.gson.Gson;
import com.google.gson.GsonBuilder;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import com.google.gson.JsonParser;
import java.util.Map;

/** Small JSON helpers over Gson (the client's Gson, no extra dependency). */
final class Json {
    static final Gson GSON = new GsonBuilder().disableHtmlEscaping().create();

    private Json() {}

    static JsonObject parseObject(String text) {
        try {
            JsonElement e = JsonParser.parseString(text);
            if (!e.isJsonObject()) {
                throw ApiError.badRequest("the body of the request was not a JSON object");
            }
            return e.getAsJsonObject();
        } catch (JsonParseException | IllegalStateException e) {
            throw ApiError.badRequest("the body of the request was in an unknown format: " + e.getMessage());
        }
    }

    static String write(JsonElement e) {
        return GSON.toJson(e);
    }

    static JsonObject metadata(JsonObject o) {
        return o.get("metadata") instanceof JsonObject m ? m : null;
    }

    /** metadata.FIELD as a string, or null. */
    static String meta(JsonObject o, String field) {
        JsonObject m = metadata(o);
        JsonElement e = m == null ? null : m.get(field);
        return e == null || e.isJsonNull() ? null : e.getAsString();
    }

    /** A shallow copy with kind, apiVersion, metadata first and the given top-level fields replaced. */
    static JsonObject withTypeMeta(JsonObject o, String kind, String apiVersion) {
        JsonObject out = new JsonObject();
        if (kind != null) {
            out.addProperty("kind", kind);
        }
        if (apiVersion != null) {
            out.addProperty("apiVersion", apiVersion);
        }
        if (o.has("metadata")) {
            out.add("metadata", o.get("metadata"));
        }
        for (Map.Entry<String, JsonElement> e : o.entrySet()) {
            if (!e.getKey().equals("kind") && !e.getKey().equals("apiVersion") && !e.getKey().equals("metadata")) {
                out.add(e.getKey(), e.getValue());
            }
        }
        return out;
    }

    /** RFC 7386 JSON merge patch. Returns a new object; the target is not changed. */
    static JsonElement mergePatch(JsonElement target, JsonElement patch) {
        if (!patch.isJsonObject()) {
            return patch.deepCopy();
        }
        JsonObject result = target != null && target.isJsonObject()
                ? target.getAsJsonObject().deepCopy()
                : new JsonObject();
        for (Map.Entry<String, JsonElement> e : patch.getAsJsonObject().entrySet()) {
            if (e.getValue().isJsonNull()) {
                result.remove(e.getKey());
            } else {
                result.add(e.getKey(), mergePatch(result.get(e.getKey()), e.getValue()));
            }
        }
        return result;
    }
}
