package io.nodedns.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.code_intelligence.jazzer.junit.FuzzTest;
import io.nodedns.testing.FuzzBudget;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * Fuzzes the Corefile lexer and parser (and what setups do next: key parsing, dispensers,
 * digest). Any text must give a {@link ParseResult} or a {@link ConfigException} naming this
 * file and a line in it, never another exception. The parser is called directly, not through
 * {@link Corefile#parse}, whose last-resort catch would hide a crash as "internal error".
 * <p>
 * Inputs with '/' or '\' are skipped so that file imports cannot leave the fuzzer's empty
 * directory (snippet imports and relative globs that match nothing still run). Regression inputs:
 * {@code src/test/resources/io/nodedns/config/CorefileFuzzTestInputs/corefile/}.
 */
class CorefileFuzzTest {
    private static final String FILE = emptyDirectory().resolve("Corefile").toString();

    @FuzzTest(maxExecutions = FuzzBudget.EXECUTIONS)
    void corefile(byte[] data) {
        String text = new String(data, StandardCharsets.UTF_8);
        if (text.indexOf('/') >= 0 || text.indexOf('\\') >= 0) {
            return;
        }
        int lines = 1;
        for (int i = 0; i < text.length(); i++) {
            if (text.charAt(i) == '\n') {
                lines++;
            }
        }
        ParseResult result;
        try {
            result = new Parser(FILE, text, null, name -> null).parse();
        } catch (ConfigException e) {
            assertPosition(e, lines);
            return;
        }
        assertNotNull(result.blocks());
        assertNotNull(result.warnings());
        for (ServerBlock block : result.blocks()) {
            for (Token key : block.keys()) {
                assertPosition(key, lines);
                try {
                    ServerKey.parse(key, 53);
                } catch (ConfigException e) {
                    assertPosition(e, lines);
                }
            }
            for (Directive d : block.directives()) {
                assertTrue(!d.tokens().isEmpty(), "empty directive");
                for (Token t : d.tokens()) {
                    assertPosition(t, lines);
                }
                walk(d.dispenser(), lines);
            }
        }
        assertEquals(64, Corefile.digest(result.blocks()).length);
    }

    /** What a plugin setup does with its tokens: every error it raises must point into the file. */
    private static void walk(Dispenser d, int lines) {
        try {
            while (d.next()) {
                d.remainingArgs();
                while (d.nextBlock()) {
                    d.remainingArgs();
                }
            }
            throw d.argErr();
        } catch (ConfigException e) {
            assertPosition(e, lines);
        }
    }

    private static void assertPosition(ConfigException e, int lines) {
        assertEquals(FILE, e.file(), e.getMessage());
        assertTrue(e.line() >= 1 && e.line() <= lines, "line " + e.line() + " of " + lines + ": " + e.getMessage());
    }

    private static void assertPosition(Token t, int lines) {
        assertEquals(FILE, t.file());
        assertTrue(t.line() >= 1 && t.line() <= lines, "token line " + t.line() + " of " + lines);
    }

    private static Path emptyDirectory() {
        try {
            Path dir = Files.createTempDirectory("corefile-fuzz");
            dir.toFile().deleteOnExit();
            return dir.toRealPath();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
