package io.nodedns.plugin.errors;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.nodedns.testing.SetupParse;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/** errors' options parse into its config record (logging is ErrorsPluginTest's). */
class ErrorsSetupTest {
    private static final SetupParse<ErrorsConfig> ERRORS = SetupParse.of(".", "errors", ErrorsSetup::parse);

    @Test
    void parsesIntoItsConfig() throws Exception {
        assertEquals(new ErrorsConfig(false, List.of()), ERRORS.parse("errors"));
        assertEquals(new ErrorsConfig(true, List.of(
                new ErrorsConfig.Consolidate(Duration.ofMinutes(5), ".* timeout$", "warning", true),
                new ErrorsConfig.Consolidate(Duration.ofSeconds(30), "^SERVFAIL", "error", false))),
                ERRORS.parse("errors {\n stacktrace\n consolidate 5m \".* timeout$\" warning show_first\n"
                        + " consolidate 30s ^SERVFAIL\n}"));
        assertEquals(new ErrorsConfig(false, List.of(new ErrorsConfig.Consolidate(Duration.ofMillis(1500), "x",
                "debug", true))), ERRORS.parse("errors {\n consolidate 1.5s x show_first debug\n}"));
    }

    @Test
    void errorsNameTheirLine() {
        ERRORS.fails("errors extra", 2, "Wrong argument count");
        ERRORS.fails("errors {\n stack\n}", 3, "plugin/errors: unknown property 'stack'");
        ERRORS.fails("errors {\n stacktrace on\n}", 3, "Wrong argument count");
        ERRORS.fails("errors {\n consolidate 1m\n}", 3, "Wrong argument count");
        ERRORS.fails("errors {\n consolidate 1m x error show_first more\n}", 3, "Wrong argument count");
        ERRORS.fails("errors {\n consolidate 1x \".*\"\n}", 3, "plugin/errors: invalid duration '1x'");
        ERRORS.fails("errors {\n consolidate 0s x\n}", 3, "plugin/errors: consolidate duration must be positive");
        ERRORS.fails("errors {\n consolidate 1m \"(\"\n}", 3, "plugin/errors: invalid regexp '('");
        ERRORS.fails("errors {\n consolidate 1m " + "x".repeat(10_001) + "\n}", 3, "plugin/errors: regex too long");
        ERRORS.fails("errors {\n consolidate 1m x loud\n}", 3, "plugin/errors: unknown log level or option 'loud'");
    }
}
