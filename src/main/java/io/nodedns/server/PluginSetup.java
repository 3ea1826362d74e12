package io.nodedns.server;

import io.nodedns.config.ConfigException;

/** Reads one directive's occurrences in a server block and contributes to the block (a handler, hooks, listeners). */
@FunctionalInterface
public interface PluginSetup {
    void setup(SetupContext context) throws ConfigException;
}
