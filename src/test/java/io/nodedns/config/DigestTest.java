package io.nodedns.config;

import static io.nodedns.config.Fixtures.parse;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DigestTest {

    private static final String BASE = """
            example.org {
                forward . 1.1.1.1 {
                    max_fails 3
                    expire 10s
                }
                cache 30
            }
            """;

    private static byte[] digest(String text) throws ConfigException {
        return Corefile.digest(parse(text));
    }

    @Test
    void isSha512() throws ConfigException {
        assertEquals(64, digest(BASE).length);
    }

    @Test
    void commentsWhitespaceAndLineEndingsDoNotMatter() throws ConfigException {
        byte[] base = digest(BASE);
        assertArrayEquals(base, digest("# a comment\n\n" + BASE.replace("cache 30", "cache   30   # thirty")));
        assertArrayEquals(base, digest(BASE.replace("\n", "\r\n")));
        assertArrayEquals(base, digest(BASE.replace("    ", "\t")));
        assertArrayEquals(base, digest("\n\n\n" + BASE + "\n\n"));
    }

    @Test
    void fileNamesDoNotMatter() throws ConfigException {
        assertArrayEquals(Corefile.digest(Corefile.parse("a", BASE, Fixtures.KNOWN, Fixtures.NO_ENV)),
                Corefile.digest(Corefile.parse("/etc/coredns/b", BASE, Fixtures.KNOWN, Fixtures.NO_ENV)));
    }

    @Test
    void realChangesDoMatter() throws ConfigException {
        byte[] base = digest(BASE);
        assertFalse(Arrays.equals(base, digest(BASE.replace("cache 30", "cache 31"))));
        assertFalse(Arrays.equals(base, digest(BASE.replace("example.org", "example.net"))));
        assertFalse(Arrays.equals(base, digest(BASE.replace("max_fails 3", "max_fails 3 expire"))));
        assertFalse(Arrays.equals(base, digest(BASE.replace("    cache 30\n", ""))));
        assertFalse(Arrays.equals(base, digest(BASE + "other.org {\n}\n")));
    }

    @Test
    void lineBreaksThatChangeMeaningMatter() throws ConfigException {
        // "max_fails 3 expire 10s" on one line is a different setting from two lines
        String joined = BASE.replaceAll("max_fails 3\\s*\\n\\s*expire", "max_fails 3 expire");
        assertFalse(joined.equals(BASE));
        assertFalse(Arrays.equals(digest(BASE), digest(joined)));
    }

    @Test
    void tokenBoundariesMatter() throws ConfigException {
        assertFalse(Arrays.equals(digest("a.org {\n log ab c\n}"), digest("a.org {\n log a bc\n}")));
        assertFalse(Arrays.equals(digest("a.org b.org {\n}"), digest("a.org {\n}\nb.org {\n}")));
    }

    @Test
    void emptyConfigHasAStableDigest() {
        assertArrayEquals(Corefile.digest(List.of()), Corefile.digest(List.of()));
    }

    @Test
    void envValuesAreWhatCounts(@TempDir Path dir) throws Exception {
        byte[] viaEnv = Corefile.digest(Corefile.parse("C", "{$Z} {\n}", Fixtures.KNOWN, name -> "x.org"));
        assertArrayEquals(digest("x.org {\n}"), viaEnv);
        Files.writeString(dir.resolve("inc"), "log");
        byte[] viaImport = Corefile.digest(Corefile.parse(dir.resolve("Corefile").toString(), ". {\n import inc\n}",
                Fixtures.KNOWN, Fixtures.NO_ENV));
        assertArrayEquals(digest(". {\n log\n}"), viaImport);
    }
}
