package io.nodedns.testing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.nodedns.config.ConfigException;
import io.nodedns.config.Corefile;
import io.nodedns.config.Directive;
import io.nodedns.config.Dispenser;
import io.nodedns.config.ServerBlock;
import io.nodedns.server.Instance;
import io.nodedns.server.PluginRegistry;
import io.nodedns.server.SetupContext;
import io.nodedns.server.Shared;
import org.junit.jupiter.api.function.Executable;

/**
 * What the setup tests share: builds (without binding anything) a Corefile, hands a setup's parse
 * method the dispenser of one directive, and checks setup errors' file, line and text.
 */
public final class SetupErrors {
    private SetupErrors() {}

    /** The dispenser of the first {@code name} directive in {@code ZONE {\n BODY\n}} (the body starts on line 2). */
    public static Dispenser dispenser(String zone, String body, String name) throws ConfigException {
        return directive(zone, body, name).dispenser();
    }

    /** The first {@code name} directive in {@code ZONE {\n BODY\n}}. */
    public static Directive directive(String zone, String body, String name) throws ConfigException {
        return block(zone, body).directives(name).getFirst();
    }

    /**
     * What a setup's {@link SetupContext#parseEach} makes of every {@code name} directive in
     * {@code ZONE {\n BODY\n}}, in order (the body starts on line 2).
     */
    public static <C> C parseEach(String zone, String body, String name, C initial,
            SetupContext.OccurrenceParser<C> parser) throws ConfigException {
        C config = initial;
        for (Directive d : block(zone, body).directives(name)) {
            config = parser.parse(d.dispenser(), config);
        }
        return config;
    }

    private static ServerBlock block(String zone, String body) throws ConfigException {
        PluginRegistry registry = TestServer.registry();
        return Corefile.parse("Corefile", zone + " {\n" + body + "\n}\n", registry::isKnown, k -> null).getFirst();
    }

    /** Asserts {@code parse} fails in the Corefile at this line with a message containing the fragment. */
    public static ConfigException assertFails(Executable parse, int line, String fragment) {
        return assertFailsIn("Corefile", parse, line, fragment);
    }

    /**
     * Asserts {@code parse} fails in {@code file} (the Corefile, or a file a directive reads: a zone,
     * hosts or weights file) at this line with a message containing the fragment.
     */
    public static ConfigException assertFailsIn(String file, Executable parse, int line, String fragment) {
        ConfigException e = assertThrows(ConfigException.class, parse);
        assertEquals(file, e.file(), e.getMessage());
        assertEquals(line, e.line(), e.getMessage());
        assertTrue(e.getMessage().contains(fragment), "message '" + e.getMessage() + "' lacks '" + fragment + "'");
        return e;
    }

    /** Sets up (binds nothing) the Corefile's configuration with every shipped plugin. */
    public static Instance build(String corefile) throws ConfigException {
        return build(corefile, TestServer.registry());
    }

    /** Sets up (binds nothing) the Corefile's configuration with {@code registry}'s plugins. */
    public static Instance build(String corefile, PluginRegistry registry) throws ConfigException {
        return build(corefile, registry, new Shared());
    }

    /** As {@link #build(String, PluginRegistry)}, with the process-wide state of an earlier build (budgets, registries). */
    public static Instance build(String corefile, PluginRegistry registry, Shared shared) throws ConfigException {
        return Instance.build(Corefile.parse("Corefile", corefile, registry::isKnown, k -> null), registry, shared,
                53);
    }

    /** Asserts the Corefile fails at this line with a message containing the fragment. */
    public static ConfigException assertFails(String corefile, int line, String fragment) {
        return assertFails(() -> build(corefile), line, fragment);
    }

    /** As {@link #assertFails(String, int, String)}, set up with {@code registry}'s plugins. */
    public static ConfigException assertFails(String corefile, PluginRegistry registry, int line, String fragment) {
        return assertFails(() -> build(corefile, registry), line, fragment);
    }
}
