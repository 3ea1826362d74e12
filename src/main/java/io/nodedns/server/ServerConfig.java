package io.nodedns.server;

import io.nodedns.config.ServerKey;
import java.util.List;

/**
 * One server block after setup: its zones and its plugin chain. Every zone (key) of a block
 * shares this object, as in CoreDNS where the keys of a block share one instance of each plugin.
 */
public final class ServerConfig {
    private final List<ServerKey> keys;
    private final List<String> zones;
    private final List<Handler> handlers;
    private final Handler head;
    private final boolean allowsAnyClass;

    ServerConfig(List<ServerKey> keys, List<Handler> handlers, boolean allowsAnyClass) {
        this.keys = List.copyOf(keys);
        this.zones = keys.stream().map(ServerKey::zone).distinct().toList();
        this.handlers = List.copyOf(handlers);
        this.head = handlers.isEmpty() ? null : handlers.getFirst();
        this.allowsAnyClass = allowsAnyClass;
    }

    public List<ServerKey> keys() {
        return keys;
    }

    /** The block's zones, normalized (lower case, fully qualified), in key order. */
    public List<String> zones() {
        return zones;
    }

    public List<Handler> handlers() {
        return handlers;
    }

    /** The first handler of the chain, or null for a block without plugins (answers REFUSED). */
    Handler head() {
        return head;
    }

    /** True if a plugin here (forward, chaos) lets non-IN classes through (spec 2.2 step 6). */
    boolean allowsAnyClass() {
        return allowsAnyClass;
    }
}
