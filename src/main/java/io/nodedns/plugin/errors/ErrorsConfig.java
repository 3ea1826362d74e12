package io.nodedns.plugin.errors;

import java.time.Duration;
import java.util.List;

/**
 * What {@code errors} sets up.
 *
 * @param stacktrace  whether a failed handler's Java stack follows its error line
 * @param consolidate the {@code consolidate} lines, in order (the first whose pattern matches counts an error)
 */
record ErrorsConfig(boolean stacktrace, List<Consolidate> consolidate) {
    ErrorsConfig {
        consolidate = List.copyOf(consolidate);
    }

    /** {@code consolidate DURATION REGEXP [warning|error|info|debug] [show_first]}; the regexp compiles. */
    record Consolidate(Duration period, String regexp, String level, boolean showFirst) {
    }
}
