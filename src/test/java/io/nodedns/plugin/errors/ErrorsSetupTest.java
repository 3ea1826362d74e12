package io.nodedns.plugin.errors;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.nodedns.testing.SetupErrors;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/** errors' options parse into its config record (logging is ErrorsPluginTest's). */
class ErrorsSetupTest {
    private static ErrorsConfig parse(String body) throws Exception {
        return ErrorsSetup.parse(SetupErrors.dispenser(".", body, "errors"));
    }

    private static void fails(String body, int line, String fragment) {
        SetupErrors.assertFails(() -> parse(body), line, fragment);
    }

    @Test
    void parsesIntoItsConfig() throws Exception {
        assertEquals(new ErrorsConfig(false, List.of()), parse("errors"));
        assertEquals(new ErrorsConfig(true, List.of(
                new ErrorsConfig.Consolidate(Duration.ofMinutes(5), ".* timeout$", "warning", true),
                new ErrorsConfig.Consolidate(Duration.ofSeconds(30), "^SERVFAIL", "error", false))),
                parse("errors {\n stacktrace\n consolidate 5m \".* timeout$\" warning show_first\n"
                        + " consolidate 30s ^SERVFAIL\n}"));
        assertEquals(new ErrorsConfig(false, List.of(new ErrorsConfig.Consolidate(Duration.ofMillis(1500), "x",
                "debug", true))), parse("errors {\n consolidate 1.5s x show_first debug\n}"));
    }

    @Test
    void errorsNameTheirLine() {
        fails("errors extra", 2, "Wrong argument count");
        fails("errors {\n stack\n}", 3, "plugin/errors: unknown property 'stack'");
        fails("errors {\n stacktrace on\n}", 3, "Wrong argument count");
        fails("errors {\n consolidate 1m\n}", 3, "Wrong argument count");
        fails("errors {\n consolidate 1m x error show_first more\n}", 3, "Wrong argument count");
        fails("errors {\n consolidate 1x \".*\"\n}", 3, "plugin/errors: invalid duration '1x'");
        fails("errors {\n consolidate 0s x\n}", 3, "plugin/errors: consolidate duration must be positive");
        fails("errors {\n consolidate 1m \"(\"\n}", 3, "plugin/errors: invalid regexp '('");
        fails("errors {\n consolidate 1m " + "x".repeat(10_001) + "\n}", 3, "plugin/errors: regex too long");
        fails("errors {\n consolidate 1m x loud\n}", 3, "plugin/errors: unknown log level or option 'loud'");
    }
}
