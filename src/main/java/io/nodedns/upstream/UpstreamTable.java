package io.nodedns.upstream;

import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * The upstreams of one forwarder as a copy-on-write array: readers take it with one volatile read
 * per query and keep that snapshot for all of the query's attempts; writers publish a new array
 * with one volatile store. {@link #update} keeps the {@link Upstream} object (health, connection
 * cache, counters) of every address that stays, so a table swap (kubeforward endpoints) loses no
 * state for unchanged endpoints.
 */
public final class UpstreamTable {
    private static final Upstream[] EMPTY = new Upstream[0];

    private final Function<InetSocketAddress, Upstream> factory;
    private volatile Upstream[] current = EMPTY;

    public UpstreamTable(Function<InetSocketAddress, Upstream> factory) {
        this.factory = factory;
    }

    /** A table with these addresses, made with {@code new Upstream(address, options)}. */
    public static UpstreamTable of(List<InetSocketAddress> addresses, ConnOptions options) {
        UpstreamTable t = new UpstreamTable(a -> new Upstream(a, options));
        t.update(addresses);
        return t;
    }

    /** The current snapshot; do not modify it. */
    public Upstream[] get() {
        return current;
    }

    public int size() {
        return current.length;
    }

    /**
     * Publishes a new address list (duplicates dropped, first wins, order kept). Existing objects
     * are reused for addresses that stay; upstreams that left are closed and returned.
     */
    public synchronized List<Upstream> update(List<InetSocketAddress> addresses) {
        Upstream[] old = current;
        Map<InetSocketAddress, Upstream> byAddress = new HashMap<>();
        for (Upstream u : old) {
            byAddress.put(u.address(), u);
        }
        List<Upstream> next = new ArrayList<>(addresses.size());
        Map<InetSocketAddress, Boolean> seen = new HashMap<>();
        for (InetSocketAddress a : addresses) {
            if (seen.put(a, Boolean.TRUE) != null) {
                continue;
            }
            Upstream kept = byAddress.remove(a);
            next.add(kept != null ? kept : factory.apply(a));
        }
        current = next.toArray(EMPTY);
        List<Upstream> removed = new ArrayList<>(byAddress.values());
        removed.forEach(Upstream::close);
        return removed;
    }

    /** Closes every upstream's cached connections (the forwarder stopped). */
    public void close() {
        for (Upstream u : current) {
            u.close();
        }
    }
}
