package io.nodedns.testing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.nodedns.config.ConfigException;
import io.nodedns.config.Corefile;
import io.nodedns.server.Instance;
import io.nodedns.server.PluginRegistry;
import io.nodedns.server.Shared;

/** Builds (without binding anything) a Corefile and checks setup errors' line and text. */
public final class SetupErrors {
    private SetupErrors() {}

    public static Instance build(String corefile) throws ConfigException {
        PluginRegistry registry = TestServer.registry();
        return Instance.build(Corefile.parse("Corefile", corefile, registry::isKnown, k -> null), registry, new Shared(), 53);
    }

    /** Asserts the Corefile fails at this line with a message containing the fragment. */
    public static ConfigException assertFails(String corefile, int line, String fragment) {
        ConfigException e = assertThrows(ConfigException.class, () -> build(corefile), corefile);
        assertEquals("Corefile", e.file(), e.getMessage());
        assertEquals(line, e.line(), e.getMessage());
        assertTrue(e.getMessage().contains(fragment), "message '" + e.getMessage() + "' lacks '" + fragment + "'");
        return e;
    }
}
