package io.nodedns.plugin.chaos;

import java.util.List;

/**
 * What {@code chaos [VERSION] [AUTHORS...]} sets up.
 *
 * @param version  the TXT for version.bind and version.server (at most 255 bytes)
 * @param authors  one TXT each for authors.bind, sorted, without duplicates
 * @param hostname the TXT for hostname.bind and id.server, read once at setup
 */
public record ChaosConfig(String version, List<String> authors, String hostname) {
    public ChaosConfig {
        authors = List.copyOf(authors);
    }
}
