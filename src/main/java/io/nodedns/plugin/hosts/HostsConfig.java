package io.nodedns.plugin.hosts;

import io.nodedns.config.Fallthrough;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/**
 * One {@code hosts} directive, parsed.
 *
 * @param file the hosts file (default /etc/hosts)
 * @param origins zones the plugin answers A/AAAA for (PTR is answered whatever the zone)
 * @param inline the inline {@code IP name...} lines, in Corefile order
 * @param fallthrough where unknown names pass on ({@link Fallthrough#NEVER} when absent)
 */
record HostsConfig(Path file, List<String> origins, List<String> inline, int ttl, boolean autoReverse,
        Duration reload, Fallthrough fallthrough, boolean fallthroughUnsupported) {
    static final String DEFAULT_FILE = "/etc/hosts";
    static final int DEFAULT_TTL = 3600;
    static final Duration DEFAULT_RELOAD = Duration.ofSeconds(5);
}
