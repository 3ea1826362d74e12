package io.nodedns.server;

import com.sun.net.httpserver.HttpHandler;

/** An HTTP path served on an address such as {@code :8080} or {@code localhost:9153}. */
public record HttpRoute(String address, String path, HttpHandler handler) {}
