package io.nodedns;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.nodedns.config.Corefile;
import io.nodedns.plugin.Plugins;
import io.nodedns.server.Instance;
import io.nodedns.server.ListenAddress;
import io.nodedns.server.PluginRegistry;
import io.nodedns.server.Shared;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/** The built-in default (docs/decisions.md) sets up as promised; nothing is bound, no query is sent. */
class DefaultConfigTest {
    @Test
    void loopbackCachingForwarderOnPort1053() throws Exception {
        Assumptions.assumeTrue(Files.isReadable(Path.of("/etc/resolv.conf")), "no /etc/resolv.conf here");
        PluginRegistry registry = Plugins.registry();
        Instance instance = Instance.build(
                Corefile.parse("<built-in default>", DefaultConfig.text(DefaultConfig.PORT), registry::isKnown,
                        k -> null),
                registry, new Shared(), 53);
        assertEquals(Set.of(new ListenAddress("127.0.0.1", 1053), new ListenAddress("::1", 1053)),
                instance.plans().keySet());
        var names = instance.configs().getFirst().handlers().stream().map(h -> h.name()).toList();
        assertTrue(names.containsAll(java.util.List.of("prometheus", "errors", "cache", "forward")), names.toString());
        assertTrue(names.indexOf("cache") < names.indexOf("forward"), "cache sits before forward: " + names);
        assertEquals(Set.of("127.0.0.1:8080/health", "127.0.0.1:8181/ready", "127.0.0.1:9153/metrics"),
                instance.httpRoutes().stream().map(r -> r.address() + r.path())
                        .collect(java.util.stream.Collectors.toSet()),
                "health, ready and metrics, on loopback only");
    }
}
