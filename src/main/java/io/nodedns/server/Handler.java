package io.nodedns.server;

/**
 * One plugin's place in a server block's chain (CoreDNS's ServeDNS). A handler either writes a
 * reply into the exchange and returns {@link Result#WRITTEN}, promises to finish later and returns
 * {@link Result#PENDING} (it must then call {@link Exchange#complete()} exactly once, from any
 * thread), calls the next handler and returns its result unchanged, or passes an rcode back
 * (0..15) for the server to write as a bare reply.
 */
public interface Handler {
    int serve(Exchange exchange);

    /** The plugin's name, used for the metrics label "plugin" and log prefixes. */
    String name();
}
