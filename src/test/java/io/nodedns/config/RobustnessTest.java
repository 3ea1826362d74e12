package io.nodedns.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import io.nodedns.testing.Unmeasured;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Malformed input must end quickly, either parsed or with a ConfigException, never anything else. */
@Unmeasured
class RobustnessTest {

    private static final Duration LIMIT = Duration.ofSeconds(20);

    /** Parses and, like the server would, normalizes every key; only ConfigException may escape. */
    private static void survive(String fileName, String text) {
        try {
            for (ServerBlock block : Corefile.parse(fileName, text, null, Fixtures.NO_ENV)) {
                for (Token key : block.keys()) {
                    try {
                        ServerKey.parse(key, 53);
                    } catch (ConfigException expected) {
                        // fine
                    }
                }
                for (Directive d : block.directives()) {
                    Dispenser disp = d.dispenser();
                    disp.next();
                    disp.remainingArgs();
                    while (disp.nextBlock()) {
                        disp.remainingArgs();
                    }
                }
                Corefile.digest(List.of(block));
            }
        } catch (ConfigException expected) {
            // fine
        }
    }

    private static void survive(String text) {
        survive("Corefile", text);
    }

    @Test
    void deeplyNestedOpeningBraces() {
        assertTimeoutPreemptively(LIMIT, () -> {
            survive("{".repeat(200_000));
            survive(". {\n log " + "{\n".repeat(100_000));
            survive(". {\n log " + "{\n".repeat(100_000) + "}\n".repeat(100_000) + "}\n");
            survive("(s) {\n" + "{\n".repeat(100_000));
        });
    }

    @Test
    void deeplyNestedBlocksParseAndWalk() throws ConfigException {
        int depth = 50_000;
        String text = ". {\n log " + "x {\n".repeat(depth) + "}\n".repeat(depth) + "}\n";
        List<ServerBlock> blocks = assertTimeoutPreemptively(LIMIT,
                () -> Corefile.parse("C", text, null, Fixtures.NO_ENV));
        assertEquals(1 + 3 * depth, blocks.get(0).directives().get(0).tokens().size());
    }

    @Test
    void manyClosingBraces() {
        assertTimeoutPreemptively(LIMIT, () -> survive("}".repeat(100_000) + "\n" + "}\n".repeat(100_000)));
    }

    @Test
    void hugeInputs() {
        assertTimeoutPreemptively(LIMIT, () -> {
            StringBuilder big = new StringBuilder();
            for (int i = 0; i < 20_000; i++) {
                big.append("zone").append(i).append(".org {\n forward . 1.1.1.1 {\n  max_fails 3\n }\n cache 30\n}\n");
            }
            List<ServerBlock> blocks = Corefile.parse("C", big.toString(), Fixtures.KNOWN, Fixtures.NO_ENV);
            assertEquals(20_000, blocks.size());
            survive("a".repeat(5_000_000));
            survive("\"" + "a".repeat(5_000_000));
            survive("#".repeat(1_000_000));
            survive("\n".repeat(1_000_000) + "x {\n");
        });
    }

    @Test
    void garbageAndInvalidText() {
        assertTimeoutPreemptively(LIMIT, () -> {
            survive("\u0000\u0001\u0002 { \uFFFF \uD800 }\n");
            survive("\\\\\\\"\"\"\\\"\u00e9\\u263a\" {\n \\\"import\\\" \n}");
            survive("import\nimport\nimport");
            survive("{$\n{%\n{$}}{%%}");
            survive(",,,, {\n}");
            survive(",\n,\n,");
            survive("\"\" \"\" {\n\"\"\n}");
            survive("(\n)\n(");
            survive("() {\n}\nimport \"()\"");
            survive(". {\n import ()\n}");
            survive("\uFEFF\uFEFF\r\r\r\n");
        });
    }

    @Test
    void randomBytesNeverCrash() {
        assertTimeoutPreemptively(LIMIT, () -> {
            Random random = new Random(20250820L);
            String alphabet = "{}()\"\\#,:.$%/*?[] \t\r\nabcimport";
            for (int i = 0; i < 3_000; i++) {
                int length = random.nextInt(200);
                StringBuilder s = new StringBuilder();
                for (int j = 0; j < length; j++) {
                    s.append(random.nextInt(4) == 0
                            ? (char) random.nextInt(0x3000)
                            : alphabet.charAt(random.nextInt(alphabet.length())));
                }
                survive(s.toString());
            }
        });
    }

    @Test
    void randomInvalidUtf8FilesNeverCrash(@TempDir Path dir) {
        assertTimeoutPreemptively(LIMIT, () -> {
            Random random = new Random(7);
            Path file = dir.resolve("Corefile");
            for (int i = 0; i < 300; i++) {
                byte[] bytes = new byte[random.nextInt(300)];
                random.nextBytes(bytes);
                Files.write(file, bytes);
                try {
                    Corefile.parseFile(file, null, Fixtures.NO_ENV);
                } catch (ConfigException expected) {
                    // fine
                }
            }
        });
    }

    @Test
    void invalidUtf8AndOverlongSequencesAreReplaced(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("Corefile");
        byte[] bytes = "x {\n log AB\n}\n".getBytes(StandardCharsets.US_ASCII);
        bytes[9] = (byte) 0xC0; // overlong encoding start
        bytes[10] = (byte) 0xAF;
        Files.write(file, bytes);
        List<ServerBlock> blocks = Corefile.parseFile(file, null, Fixtures.NO_ENV);
        assertEquals(List.of("\uFFFD\uFFFD"), blocks.get(0).directives().get(0).args());
    }

    @Test
    void oddFileNames() {
        assertTimeoutPreemptively(LIMIT, () -> {
            survive("", ". {\n import x\n}");
            survive("bad\u0000name", ". {\n import x\n}");
            survive(null, "x {\n}");
        });
    }

    @Test
    void oddImportPatterns(@TempDir Path dir) {
        assertTimeoutPreemptively(LIMIT, () -> {
            String main = dir.resolve("Corefile").toString();
            for (String pattern : new String[]{"a\u0000b", "/", "..", "*", "?", "/*", "\\*", "[", "]", "a]b",
                    "../../../../../../../../../../*", "//", "~/*", "*/", "\"\""}) {
                try {
                    Corefile.parse(main, ". {\n import " + pattern + "\n}", null, Fixtures.NO_ENV);
                } catch (ConfigException expected) {
                    // fine
                }
            }
        });
    }

    @Test
    void importOfAHugeFileIsRefused(@TempDir Path dir) throws Exception {
        Path big = dir.resolve("big.conf");
        byte[] bytes = new byte[(int) ImportFiles.MAX_FILE_BYTES + 1];
        java.util.Arrays.fill(bytes, (byte) 'a');
        Files.write(big, bytes);
        Fixtures.assertError(() -> Corefile.parse(dir.resolve("Corefile").toString(), ". {\n import big.conf\n}",
                null, Fixtures.NO_ENV), dir.resolve("Corefile").toString(), 2, "larger than");
    }
}
