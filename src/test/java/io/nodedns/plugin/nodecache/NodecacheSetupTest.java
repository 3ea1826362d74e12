package io.nodedns.plugin.nodecache;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.nodedns.testing.SetupErrors;
import io.nodedns.testing.SetupParse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Corefile parsing of {@code nodecache}: every option, defaults, and malformed lines with file:line. */
class NodecacheSetupTest {
    private static final List<NodecacheConfig.Target> T = List.of(new NodecacheConfig.Target("169.254.20.10", 53));

    private static final SetupParse<NodecacheConfig> NODECACHE = SetupParse.of(".:53", "nodecache", d -> {
        d.next();
        return NodecacheSetup.parse(d, T);
    });

    @Test
    void defaultsMatchNodeCache() throws Exception {
        NodecacheConfig c = NODECACHE.parse("nodecache");
        assertEquals("nodelocaldns", c.interfaceName());
        assertTrue(c.setupInterface());
        assertTrue(c.setupIptables());
        assertEquals(Duration.ofSeconds(60), c.syncInterval());
        assertFalse(c.skipTeardown());
        assertEquals(8080, c.healthPort());
        assertEquals(NodecacheConfig.Backend.AUTO, c.backend());
        assertEquals(Path.of("/run/nodedns"), c.lockDir());
        assertEquals(T, c.targets());
    }

    @Test
    void everyOption() throws Exception {
        NodecacheConfig c = NODECACHE.parse("""
                nodecache SkipTeardown {
                    interface lo
                    setupinterface false
                    setupiptables no
                    syncinterval 250ms
                    healthport 8082
                    backend legacy
                    lockdir /tmp/x
                }""");
        assertTrue(c.skipTeardown());
        assertEquals("lo", c.interfaceName());
        assertFalse(c.setupInterface());
        assertFalse(c.setupIptables());
        assertEquals(Duration.ofMillis(250), c.syncInterval());
        assertEquals(8082, c.healthPort());
        assertEquals(NodecacheConfig.Backend.LEGACY, c.backend());
        assertEquals(Path.of("/tmp/x"), c.lockDir());
        assertEquals(Duration.ofSeconds(30), NODECACHE.parse("nodecache {\n syncinterval 30\n}").syncInterval());
        assertNull(NODECACHE.parse("nodecache {\n lockdir none\n}").lockDir());
        assertEquals(NodecacheConfig.Backend.NFT, NODECACHE.parse("nodecache {\n backend nft\n}").backend());
    }

    @Test
    void blockAddressesAndPortsBecomeTargets() throws Exception {
        var instance = SetupErrors.build("""
                .:1053 {
                    bind 127.0.0.10 ::1
                    nodecache {
                        lockdir none
                    }
                }
                cluster.local:1053 {
                    bind 127.0.0.11
                    nodecache {
                        lockdir none
                    }
                }
                """);
        assertEquals(1, instance.lifecycles().stream().filter(l -> l instanceof NodecacheLifecycle).count(),
                "one network setup for all blocks");
    }

    @Test
    void malformedLinesNameFileAndLine() {
        SetupErrors.assertFails(".:53 {\n bind 127.0.0.1\n nodecache bogus\n}\n", 3, "unknown argument 'bogus'");
        SetupErrors.assertFails(".:53 {\n bind 127.0.0.1\n nodecache {\n  nope 1\n }\n}\n", 4,
                "unknown property 'nope'");
        SetupErrors.assertFails(".:53 {\n bind 127.0.0.1\n nodecache {\n  interface\n }\n}\n", 4,
                "Wrong argument count");
        SetupErrors.assertFails(".:53 {\n bind 127.0.0.1\n nodecache {\n  interface a b\n }\n}\n", 4,
                "Wrong argument count");
        SetupErrors.assertFails(".:53 {\n bind 127.0.0.1\n nodecache {\n  interface bad/name\n }\n}\n", 4,
                "invalid interface name");
        SetupErrors.assertFails(".:53 {\n bind 127.0.0.1\n nodecache {\n  setupiptables maybe\n }\n}\n", 4,
                "not a boolean");
        SetupErrors.assertFails(".:53 {\n bind 127.0.0.1\n nodecache {\n  syncinterval 5x\n }\n}\n", 4, "");
        SetupErrors.assertFails(".:53 {\n bind 127.0.0.1\n nodecache {\n  syncinterval 1ms\n }\n}\n", 4,
                "at least 100ms");
        SetupErrors.assertFails(".:53 {\n bind 127.0.0.1\n nodecache {\n  healthport 70000\n }\n}\n", 4,
                "out of range");
        SetupErrors.assertFails(".:53 {\n bind 127.0.0.1\n nodecache {\n  backend iptables\n }\n}\n", 4,
                "backend must be");
        SetupErrors.assertFails(".:53 {\n nodecache\n}\n", 2, "needs a 'bind'");
        SetupErrors.assertFails(".:53 {\n bind 0.0.0.0\n nodecache\n}\n", 3, "cannot take over");
        SetupErrors.assertFails(".:53 {\n bind 127.0.0.1\n nodecache\n nodecache\n}\n", 4, "only be used once");
        SetupErrors.assertFails(
                "a:53 {\n bind 127.0.0.1\n nodecache\n}\nb:53 {\n bind 127.0.0.2\n nodecache skipteardown\n}\n",
                7, "options differ");
    }
}
