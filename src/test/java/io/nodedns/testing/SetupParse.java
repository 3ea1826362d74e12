package io.nodedns.testing;

import io.nodedns.config.ConfigException;
import io.nodedns.config.Dispenser;
import io.nodedns.server.SetupContext;

/**
 * How a setup test reads its plugin's directive: {@link #parse} is the config the plugin's own
 * parse makes of a block's body, {@link #fails} asserts the setup error that body gives, at its
 * Corefile line. The one way the {@code *SetupTest}s write a case.
 *
 * <pre>{@code
 * private static final SetupParse<HostsConfig> HOSTS = SetupParse.of("example.org", "hosts",
 *         d -> HostsSetup.parse(d, List.of("example.org.")));
 * ... HOSTS.parse("hosts {\n ttl 60\n}").ttl() ... HOSTS.fails("hosts {\n ttl 0\n}", 3, "ttl provided is invalid");
 * }</pre>
 */
public final class SetupParse<C> {
    /** A plugin's parse of one directive. */
    @FunctionalInterface
    public interface Parser<C> {
        C parse(Dispenser d) throws ConfigException;
    }

    /** What a test makes of a block's body. */
    @FunctionalInterface
    public interface BodyParser<C> {
        C parse(String body) throws ConfigException;
    }

    private final BodyParser<C> parser;

    public SetupParse(BodyParser<C> parser) {
        this.parser = parser;
    }

    /** The first {@code name} directive in {@code ZONE {\n BODY\n}} (the body starts on line 2), through {@code parser}. */
    public static <C> SetupParse<C> of(String zone, String name, Parser<C> parser) {
        return new SetupParse<>(body -> parser.parse(SetupErrors.dispenser(zone, body, name)));
    }

    /**
     * Every {@code name} directive in {@code ZONE {\n BODY\n}}, in order, each from the config the
     * ones before it left ({@link SetupContext#parseEach}), starting from {@code initial}.
     */
    public static <C> SetupParse<C> each(String zone, String name, C initial, SetupContext.OccurrenceParser<C> parser) {
        return new SetupParse<>(body -> SetupErrors.parseEach(zone, body, name, initial, parser));
    }

    public C parse(String body) throws ConfigException {
        return parser.parse(body);
    }

    /** Asserts {@code body} fails at this Corefile line with a message containing {@code fragment}. */
    public ConfigException fails(String body, int line, String fragment) {
        return SetupErrors.assertFails(() -> parser.parse(body), line, fragment);
    }
}
