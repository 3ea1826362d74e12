package io.nodedns.plugin.log;

import java.util.ArrayList;
import java.util.List;

/**
 * What the {@code log} lines of a block set up.
 *
 * @param rules one per line, in Corefile order (the first that covers a query decides)
 */
record LogConfig(List<LogRule> rules) {
    static final LogConfig NONE = new LogConfig(List.of());

    LogConfig {
        rules = List.copyOf(rules);
    }

    LogConfig with(LogRule rule) {
        List<LogRule> all = new ArrayList<>(rules);
        all.add(rule);
        return new LogConfig(all);
    }
}
