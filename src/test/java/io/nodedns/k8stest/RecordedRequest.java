package io.nodedns.k8stest;

import java.time.Instant;
import java.util.Map;

/**
 * One request the stand-in received (recorded before fault injection, so failed and delayed requests count).
 *
 * @param method HTTP method
 * @param path URL path without the query
 * @param query decoded query parameters (last value wins)
 * @param at arrival time
 * @param user the authenticated user (null: anonymous or refused)
 * @param serverName the TLS SNI name the client sent (null: plain HTTP or none)
 * @param clientPort the client's TCP port: requests with the same one came over the same connection
 * @param acceptEncoding the Accept-Encoding header (null when absent)
 */
public record RecordedRequest(String method, String path, Map<String, String> query, Instant at, String user,
        String serverName, int clientPort, String acceptEncoding) {
    public RecordedRequest {
        query = Map.copyOf(query);
    }

    /** A watch: ?watch=true / ?watch=1, or the legacy /watch/ path form. */
    public boolean isWatch() {
        String w = query.get("watch");
        return "true".equalsIgnoreCase(w) || "1".equals(w) || path.contains("/watch/");
    }

    /** A GET that is not a watch (lists and gets). */
    public boolean isList() {
        return method.equals("GET") && !isWatch();
    }
}
