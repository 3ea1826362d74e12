package io.nodedns.k8stest;

import com.google.gson.JsonObject;
import java.nio.charset.StandardCharsets;
import java.util.Base64;

/** The API server's continue token: base64url of {"v":"meta.k8s.io/v1","rv":N,"start":"KEY\u0000"}. */
record ContinueToken(long resourceVersion, String start) {
    String encode() {
        JsonObject o = new JsonObject();
        o.addProperty("v", "meta.k8s.io/v1");
        o.addProperty("rv", resourceVersion);
        o.addProperty("start", start);
        return Base64.getUrlEncoder().withoutPadding().encodeToString(Json.write(o).getBytes(StandardCharsets.UTF_8));
    }

    static ContinueToken decode(String token) {
        try {
            JsonObject o = Json.parseObject(new String(Base64.getUrlDecoder().decode(token), StandardCharsets.UTF_8));
            if (!"meta.k8s.io/v1".equals(o.get("v").getAsString()) || o.get("rv").getAsLong() <= 0) {
                throw new IllegalArgumentException("bad version or rv");
            }
            return new ContinueToken(o.get("rv").getAsLong(), o.get("start").getAsString());
        } catch (RuntimeException e) {
            throw ApiError.badRequest("continue key is not valid: " + e.getMessage());
        }
    }
}
