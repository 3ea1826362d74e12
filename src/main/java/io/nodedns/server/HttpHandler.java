package io.nodedns.server;

import java.io.IOException;

/** Answers one route's requests on an {@link HttpListener} with exactly one reply each. */
@FunctionalInterface
public interface HttpHandler {
    void handle(HttpExchange exchange) throws IOException;
}
