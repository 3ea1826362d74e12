package io.nodedns.plugin.log;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import io.nodedns.testing.SetupParse;
import java.util.EnumSet;
import java.util.List;
import org.junit.jupiter.api.Test;

/** log's lines parse into its config record, one rule each (logging is LogPluginTest's). */
class LogSetupTest {
    private static final EnumSet<ResponseClass> ALL = EnumSet.allOf(ResponseClass.class);

    private static final SetupParse<LogConfig> LOG = SetupParse.each(".", "log", LogConfig.NONE, LogSetup::parse);

    private static LogRule rule(List<String> zones, String format, EnumSet<ResponseClass> classes) {
        return new LogRule(zones, new LogFormat(format), classes);
    }

    @Test
    void parsesIntoItsConfig() throws Exception {
        assertEquals(new LogConfig(List.of(rule(List.of("."), LogFormat.COMMON, ALL))), LOG.parse("log"));
        assertEquals(new LogConfig(List.of(rule(List.of("example.org."), LogFormat.COMMON, ALL))),
                LOG.parse("log Example.ORG"));
        assertEquals(new LogConfig(List.of(
                rule(List.of("example.org.", "example.net."), "{type} {name}", ALL),
                rule(List.of("."), LogFormat.COMBINED, EnumSet.of(ResponseClass.DENIAL, ResponseClass.ERROR)),
                rule(List.of("."), LogFormat.COMMON, EnumSet.of(ResponseClass.SUCCESS)))),
                LOG.parse("log example.org example.net \"{type} {name}\"\nlog . {combined} {\n class denial\n"
                        + " class ERROR\n}\nlog {\n class success\n}"));
        assertEquals(new LogConfig(List.of(rule(List.of("."), LogFormat.COMMON, ALL))),
                LOG.parse("log {\n class success all\n}"));
    }

    @Test
    void formatsCompareByWhatTheyPrint() {
        assertEquals(new LogFormat(LogFormat.COMMON), new LogFormat("{common}"));
        assertEquals(new LogFormat(LogFormat.COMMON).hashCode(), new LogFormat("{common}").hashCode());
        assertNotEquals(new LogFormat("{name} {type}"), new LogFormat("{type} {name}"));
        assertNotEquals(new LogFormat("{name}:"), new LogFormat("{name}"));
    }

    @Test
    void errorsNameTheirLine() {
        LOG.fails("whoami\nlog {\n class bogus\n}", 4, "plugin/log: invalid class 'bogus'");
        LOG.fails("log {\n klass all\n}", 3, "plugin/log: unknown property 'klass'");
        LOG.fails("log {\n class\n}", 3, "Wrong argument count");
        LOG.fails("log\nlog exa$mple..org {common}", 3, "exa$mple..org");
    }
}
