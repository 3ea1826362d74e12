package io.nodedns.k8s;

import com.google.gson.JsonElement;
import io.kubernetes.client.openapi.ApiException;
import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/** What the API server's errors say, for one-line logs and retry delays. */
final class ApiErrors {
    private ApiErrors() {}

    /** The Retry-After of a 429 or 503 (seconds; capped at 10 minutes), or null. */
    static Duration retryAfter(Exception e) {
        if (!(e instanceof ApiException a) || (a.getCode() != 429 && a.getCode() != 503)
                || a.getResponseHeaders() == null) {
            return null;
        }
        for (Map.Entry<String, List<String>> h : a.getResponseHeaders().entrySet()) {
            if ("retry-after".equalsIgnoreCase(h.getKey()) && h.getValue() != null && !h.getValue().isEmpty()) {
                try {
                    long sec = Long.parseLong(h.getValue().getFirst().strip());
                    return sec <= 0 ? null : Duration.ofSeconds(Math.min(sec, 600));
                } catch (NumberFormatException httpDate) {
                    return null; // the API server sends seconds; an HTTP date falls back to the backoff
                }
            }
        }
        return null;
    }

    /**
     * One line, no stack trace: "HTTP 403 Forbidden: services is forbidden: User ..." (the API
     * server's Status names the verb, resource and scope an operator must grant) or
     * "ConnectException: Connection refused".
     */
    static String brief(Throwable e) {
        if (e instanceof ApiException a && a.getCode() > 0) {
            return oneLine("HTTP " + a.getCode() + status(a.getResponseBody()));
        }
        Throwable t = e;
        if (e instanceof ApiException && e.getCause() != null) {
            t = e.getCause();
        } else if (e instanceof RuntimeException && e.getCause() instanceof IOException io) {
            t = io; // Watch's iterator wraps read errors
        }
        String m = t.getMessage();
        return oneLine(t.getClass().getSimpleName() + (m == null || m.isBlank() ? "" : ": " + m));
    }

    private static String oneLine(String text) {
        text = text.replaceAll("[\\r\\n\\t]+", " ").strip();
        return text.length() > 300 ? text.substring(0, 300) + "..." : text;
    }

    /** " Reason: message" from a Status body, or "" when the body is not one. */
    private static String status(String body) {
        if (body == null || body.isBlank()) {
            return "";
        }
        try {
            JsonElement root = com.google.gson.JsonParser.parseString(body);
            if (!root.isJsonObject() || !"Status".equals(Json.string(root.getAsJsonObject(), "kind"))) {
                return "";
            }
            String reason = Json.string(root.getAsJsonObject(), "reason");
            String message = Json.string(root.getAsJsonObject(), "message");
            return (reason == null || reason.isEmpty() ? "" : " " + reason)
                    + (message == null || message.isEmpty() ? "" : ": " + message);
        } catch (RuntimeException notJson) {
            return "";
        }
    }
}
