package io.nodedns.server;

/**
 * Sees (and may change) the reply on its way out, like a CoreDNS plugin that wraps the
 * ResponseWriter. A handler registers itself with {@link Exchange#addHook} while the query goes
 * down the chain; hooks then run in reverse order when the exchange completes, before the reply
 * is shaped to the client's buffer size. Plugins are their own hooks, so registering allocates
 * nothing.
 *
 * <p>Hooks run on the thread whose completion of the exchange won: the UDP loop, a TCP query's
 * virtual thread, or any thread a pending handler completes from (a virtual thread for the cache's
 * refreshes); see docs/architecture.md, "Threads". A hook touches only thread-safe shared state.
 */
public interface ResponseHook {
    void onResponse(Exchange exchange);
}
