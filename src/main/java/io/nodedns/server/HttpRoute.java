package io.nodedns.server;

/**
 * An HTTP path served on an address such as {@code :8080} or {@code localhost:9153}; {@code origin}
 * is the FILE:LINE of the directive that asked for it (null outside a Corefile), for bind errors.
 */
public record HttpRoute(String address, String path, HttpHandler handler, String origin) {
    public HttpRoute(String address, String path, HttpHandler handler) {
        this(address, path, handler, null);
    }
}
