package io.nodedns.server;

/** Server-level events that happen outside any plugin (metrics with zone "dropped", panics). */
public interface QueryObserver {
    QueryObserver NONE = new QueryObserver() {
    };

    default void onDropped(Exchange exchange, int rcode) {}

    default void onPanic() {}
}
