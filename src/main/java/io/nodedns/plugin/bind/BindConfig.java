package io.nodedns.plugin.bind;

import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * What the {@code bind} lines of a block set up.
 *
 * @param addresses the IP literals to listen on, each once, in the order the lines name them
 */
record BindConfig(List<String> addresses) {
    static final BindConfig NONE = new BindConfig(List.of());

    BindConfig {
        addresses = List.copyOf(addresses);
    }

    /** These addresses added to the ones before. */
    BindConfig with(List<String> more) {
        Set<String> all = new LinkedHashSet<>(addresses);
        all.addAll(more);
        return new BindConfig(List.copyOf(all));
    }
}
