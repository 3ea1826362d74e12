package io.nodedns.server;

import java.util.Map;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.atomic.LongAdder;

/**
 * One counter series per {@code server} label, kept once per process ({@link Shared#metrics}) so
 * that its values survive reloads: the shape of a plugin's single counter, such as autopath's
 * {@code coredns_autopath_success_total{server}}. A plugin's metrics class extends it with its name.
 */
public class ServerCounter implements MetricSource {
    private final String name;
    private final String help;
    private final Map<String, LongAdder> adders = new ConcurrentSkipListMap<>();

    /** {@code name} without {@code _total}, which the exposition adds. */
    protected ServerCounter(String name, String help) {
        this.name = name;
        this.help = help;
    }

    /** The adder of one server label (a block's first listen address), made at setup. */
    public final LongAdder adder(String server) {
        return adders.computeIfAbsent(server, k -> new LongAdder());
    }

    @Override
    public final void collect(Sink out, String unused) {
        adders.forEach((server, n) -> out.counter(name, help, n.sum(), "server", server));
    }
}
