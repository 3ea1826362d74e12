package io.nodedns.server;

/** Sends a completed exchange's reply back to its client (a UDP loop or a TCP connection). */
public interface Responder {
    /** Called once per exchange, after hooks and shaping; {@code exchange.responseLength()} may be 0 (drop). */
    void respond(Exchange exchange);
}
