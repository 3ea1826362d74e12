package io.nodedns.plugin.autopath;

import io.nodedns.config.Token;
import java.util.List;

/**
 * What {@code autopath} sets up.
 *
 * @param zones  where it acts (its arguments before RESOLV-CONF, else the server block's)
 * @param plugin the plugin named by {@code @NAME} that gives each client's search path, or null
 * @param search the search domains of the RESOLV-CONF file (normalized), empty with {@code @NAME}
 * @param at     the directive, for errors found once the block is set up
 */
record AutopathConfig(List<String> zones, String plugin, List<String> search, Token at) {
}
