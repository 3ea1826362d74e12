package io.nodedns.k8stest;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;

/**
 * An error the stand-in answers with a {@code metav1.Status} body, shaped like the real API server's
 * (kind Status, apiVersion v1, status Failure, message, reason, details, code). Also thrown by the Java
 * write methods of {@link StandInApiServer} so tests see the same reasons as HTTP clients.
 */
public final class ApiError extends RuntimeException {
    private static final long serialVersionUID = 1L;

    private final int code;
    private final String reason;
    private final transient JsonObject details;

    public ApiError(int code, String reason, String message) {
        this(code, reason, message, null);
    }

    public ApiError(int code, String reason, String message, JsonObject details) {
        super(message);
        this.code = code;
        this.reason = reason;
        this.details = details;
    }

    public int code() {
        return code;
    }

    public String reason() {
        return reason;
    }

    /** The Status object for this error. */
    public JsonObject status() {
        return status(code, reason, getMessage(), details);
    }

    static JsonObject status(int code, String reason, String message, JsonObject details) {
        JsonObject s = new JsonObject();
        s.addProperty("kind", "Status");
        s.addProperty("apiVersion", "v1");
        s.add("metadata", new JsonObject());
        s.addProperty("status", code < 400 ? "Success" : "Failure");
        if (message != null) {
            s.addProperty("message", message);
        }
        if (reason != null && !reason.isEmpty()) {
            s.addProperty("reason", reason);
        }
        if (details != null) {
            s.add("details", details);
        }
        s.addProperty("code", code);
        return s;
    }

    static JsonObject details(ResourceType type, String name) {
        JsonObject d = new JsonObject();
        if (name != null) {
            d.addProperty("name", name);
        }
        d.addProperty("group", type.group());
        d.addProperty("kind", type.plural());
        return d;
    }

    /** The reason the real API server uses for a bare HTTP status code. */
    public static String reasonFor(int code) {
        return switch (code) {
            case 400 -> "BadRequest";
            case 401 -> "Unauthorized";
            case 403 -> "Forbidden";
            case 404 -> "NotFound";
            case 405 -> "MethodNotAllowed";
            case 406 -> "NotAcceptable";
            case 409 -> "Conflict";
            case 410 -> "Expired";
            case 413 -> "RequestEntityTooLarge";
            case 415 -> "UnsupportedMediaType";
            case 422 -> "Invalid";
            case 429 -> "TooManyRequests";
            case 500 -> "InternalError";
            case 503 -> "ServiceUnavailable";
            case 504 -> "Timeout";
            default -> "";
        };
    }

    static ApiError notFound(ResourceType type, String name) {
        return new ApiError(404, "NotFound",
                type.resourceName() + " \"" + name + "\" not found", details(type, name));
    }

    static ApiError alreadyExists(ResourceType type, String name) {
        return new ApiError(409, "AlreadyExists",
                type.resourceName() + " \"" + name + "\" already exists", details(type, name));
    }

    static ApiError conflict(ResourceType type, String name) {
        return new ApiError(409, "Conflict", "Operation cannot be fulfilled on " + type.resourceName() + " \""
                + name + "\": the object has been modified; please apply your changes to the latest version"
                + " and try again", details(type, name));
    }

    static ApiError badRequest(String message) {
        return new ApiError(400, "BadRequest", message);
    }

    static ApiError invalid(ResourceType type, String name, String message) {
        return new ApiError(422, "Invalid", type.kind() + " \"" + name + "\" is invalid: " + message,
                details(type, name));
    }

    static ApiError expired(String message) {
        return new ApiError(410, "Expired", message);
    }

    static ApiError tooLargeResourceVersion(long asked, long current) {
        JsonObject details = new JsonObject();
        JsonArray causes = new JsonArray();
        JsonObject cause = new JsonObject();
        cause.addProperty("reason", "ResourceVersionTooLarge");
        cause.addProperty("message", "Too large resource version");
        causes.add(cause);
        details.add("causes", causes);
        details.addProperty("retryAfterSeconds", 1);
        return new ApiError(504, "Timeout",
                "Too large resource version: " + asked + ", current: " + current, details);
    }
}
