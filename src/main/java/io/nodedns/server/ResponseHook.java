package io.nodedns.server;

/**
 * Sees (and may change) the reply on its way out, like a CoreDNS plugin that wraps the
 * ResponseWriter. A handler registers itself with {@link Exchange#addHook} while the query goes
 * down the chain; hooks then run in reverse order when the exchange completes, before the reply
 * is shaped to the client's buffer size. Plugins are their own hooks, so registering allocates
 * nothing.
 */
public interface ResponseHook {
    void onResponse(Exchange exchange);
}
