package io.nodedns.server;

import static org.junit.jupiter.api.Assertions.assertTrue;

import io.nodedns.plugin.Plugins;
import io.nodedns.testing.SetupErrors;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Every plugin of CoreDNS's order that nodedns does not implement still fails the configuration at
 * the directive's line with a message that names the plugin and where to look (issue 21).
 */
class UnsupportedPluginTest {
    @Test
    void stillMissingPluginsFailClearly() {
        PluginRegistry registry = Plugins.registry();
        List<String> missing = PluginRegistry.ORDER.stream().filter(name -> !registry.isImplemented(name)).toList();
        assertTrue(!missing.isEmpty(), "nothing left to check");
        for (String plugin : missing) {
            SetupErrors.assertFails(". {\n    whoami\n    " + plugin + "\n}\n", 3,
                    "plugin '" + plugin + "' is not supported by nodedns (see docs/plugins.md)");
        }
    }
}
