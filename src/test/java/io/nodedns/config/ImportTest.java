package io.nodedns.config;

import static io.nodedns.config.Fixtures.KNOWN;
import static io.nodedns.config.Fixtures.NO_ENV;
import static io.nodedns.config.Fixtures.keys;
import static io.nodedns.config.Fixtures.texts;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ImportTest {

    @TempDir
    Path dir;

    private String abs(String name) {
        return dir.resolve(name).toAbsolutePath().normalize().toString();
    }

    private ParseResult parseMain(String text) throws ConfigException {
        return parseMain(text, Map.of());
    }

    private ParseResult parseMain(String text, Map<String, String> env) throws ConfigException {
        Path main = dir.resolve("Corefile");
        return Corefile.parseWithWarnings(main.toString(), text, KNOWN, env::get);
    }

    private static List<String> names(ServerBlock b) {
        return b.directives().stream().map(Directive::name).toList();
    }

    @Test
    void importsAFileInsideABlockRelativeToTheCorefile() throws Exception {
        Fixtures.write(dir, "common.conf", "errors\n\nlog\n");
        ServerBlock b = parseMain(". {\n import common.conf\n whoami\n}").blocks().get(0);
        assertEquals(List.of("errors", "log", "whoami"), names(b));
        Token log = b.directives("log").get(0).nameToken();
        assertEquals(abs("common.conf"), log.file());
        assertEquals(3, log.line(), "imported files count lines from 1");
        assertEquals(3, b.directives("whoami").get(0).nameToken().line());
        assertEquals(dir.resolve("Corefile").toString(), b.directives("whoami").get(0).nameToken().file());
    }

    @Test
    void importsWholeBlocksAtTopLevel() throws Exception {
        Fixtures.write(dir, "zones/a.conf", "a.org {\n whoami\n}\n");
        List<ServerBlock> blocks = parseMain("import zones/a.conf\nb.org {\n log\n}").blocks();
        assertEquals(List.of(List.of("a.org"), List.of("b.org")), blocks.stream().map(Fixtures::keys).toList());
        assertEquals(abs("zones/a.conf"), blocks.get(0).firstToken().file());
    }

    @Test
    void importsKeysAtTopLevel() throws Exception {
        Fixtures.write(dir, "keys.txt", "a.org b.org");
        ServerBlock b = parseMain("import keys.txt\n{\n whoami\n}").blocks().get(0);
        assertEquals(List.of("a.org", "b.org"), keys(b));
    }

    @Test
    void importInsideADirectiveBlock() throws Exception {
        Fixtures.write(dir, "opts.conf", "max_fails 2\nexpire 5s\n");
        ServerBlock b = parseMain(". {\n forward . 1.1.1.1 {\n  import opts.conf\n  policy random\n }\n}").blocks()
                .get(0);
        assertEquals(List.of("forward", ".", "1.1.1.1", "{", "max_fails", "2", "expire", "5s", "policy", "random", "}"),
                texts(b.directives("forward").get(0).tokens()));
    }

    @Test
    void absoluteImportPath() throws Exception {
        Path file = Fixtures.write(dir, "elsewhere/x.conf", "log");
        ServerBlock b = parseMain(". {\n import " + file.toAbsolutePath() + "\n}").blocks().get(0);
        assertEquals(List.of("log"), names(b));
    }

    @Test
    void nestedImportsResolveRelativeToTheImportingFile() throws Exception {
        Fixtures.write(dir, "sub/first.conf", "import deeper/second.conf\nerrors\n");
        Fixtures.write(dir, "sub/deeper/second.conf", "log\n");
        ServerBlock b = parseMain(". {\n import sub/first.conf\n}").blocks().get(0);
        assertEquals(List.of("log", "errors"), names(b));
        assertEquals(abs("sub/deeper/second.conf"), b.directives("log").get(0).nameToken().file());
    }

    @Test
    void globImportsMatchingFilesInSortedOrder() throws Exception {
        Fixtures.write(dir, "conf.d/b.conf", "log");
        Fixtures.write(dir, "conf.d/a.conf", "errors");
        Fixtures.write(dir, "conf.d/c.txt", "whoami");
        ServerBlock b = parseMain(". {\n import conf.d/*.conf\n}").blocks().get(0);
        assertEquals(List.of("errors", "log"), names(b));
    }

    @Test
    void globWithAQuestionMark() throws Exception {
        Fixtures.write(dir, "p1.conf", "log");
        Fixtures.write(dir, "p2.conf", "errors");
        Fixtures.write(dir, "p10.conf", "whoami");
        assertEquals(List.of("log", "errors"), names(parseMain(". {\n import p?.conf\n}").blocks().get(0)));
    }

    @Test
    void globWithOneStarAndOneQuestionMark() throws Exception {
        Fixtures.write(dir, "x1-a.conf", "log");
        assertEquals(List.of("log"), names(parseMain(". {\n import x?-*.conf\n}").blocks().get(0)));
    }

    @Test
    void globInADirectoryComponent() throws Exception {
        Fixtures.write(dir, "sites/one/Corefile.part", "one.org {\n whoami\n}");
        Fixtures.write(dir, "sites/two/Corefile.part", "two.org {\n whoami\n}");
        List<ServerBlock> blocks = parseMain("import sites/*/Corefile.part").blocks();
        assertEquals(List.of(List.of("one.org"), List.of("two.org")), blocks.stream().map(Fixtures::keys).toList());
    }

    @Test
    void globMatchingNothingOnlyWarns() throws Exception {
        ParseResult r = parseMain(". {\n import missing/*.conf\n whoami\n}");
        assertEquals(List.of("whoami"), names(r.blocks().get(0)));
        assertEquals(1, r.warnings().size());
        ConfigWarning w = r.warnings().get(0);
        assertEquals(dir.resolve("Corefile").toString(), w.file());
        assertEquals(2, w.line());
        assertTrue(w.message().contains("No files matching import glob pattern: missing/*.conf"), w.message());
    }

    @Test
    void globMatchingNothingAtTopLevel() throws Exception {
        ParseResult r = parseMain("import none*.conf\na.org {\n whoami\n}");
        assertEquals(List.of(List.of("a.org")), r.blocks().stream().map(Fixtures::keys).toList());
        assertEquals(1, r.warnings().size());
    }

    @Test
    void listApiDropsWarnings() throws Exception {
        List<ServerBlock> blocks = Corefile.parse(dir.resolve("Corefile").toString(), "import none*\n", KNOWN, NO_ENV);
        assertEquals(List.of(), blocks);
    }

    @Test
    void importPatternIsEnvSubstituted() throws Exception {
        Fixtures.write(dir, "prod.conf", "log");
        ServerBlock b = parseMain(". {\n import {$ENV}.conf\n}", Map.of("ENV", "prod")).blocks().get(0);
        assertEquals(List.of("log"), names(b));
    }

    @Test
    void snippetWinsOverAFileOfTheSameName() throws Exception {
        Fixtures.write(dir, "common", "errors");
        ServerBlock b = parseMain("(common) {\n log\n}\n. {\n import common\n}").blocks().get(0);
        assertEquals(List.of("log"), names(b));
    }

    @Test
    void snippetsDefinedInAnImportedFileAreUsable() throws Exception {
        Fixtures.write(dir, "snippets.conf", "(s) {\n cache 30\n}\n");
        ServerBlock b = parseMain("import snippets.conf\n. {\n import s\n}").blocks().get(0);
        assertEquals(List.of("cache"), names(b));
    }

    @Test
    void sameFileImportedTwiceIsNotACycle() throws Exception {
        Fixtures.write(dir, "part.conf", "log");
        ServerBlock b = parseMain("a.org {\n import part.conf\n}\nb.org {\n import part.conf\n}").blocks().get(1);
        assertEquals(List.of("log"), names(b));
    }

    @Test
    void parseFileReadsTheFileAndNamesTokensAfterIt() throws Exception {
        Path main = Fixtures.write(dir, "Corefile", ". {\n import inc.conf\n}\n");
        Fixtures.write(dir, "inc.conf", "whoami");
        List<ServerBlock> blocks = Corefile.parseFile(main, KNOWN, NO_ENV);
        assertEquals(main.toString(), blocks.get(0).firstToken().file());
        assertEquals(List.of("whoami"), names(blocks.get(0)));
    }

    @Test
    void parseFileReportsWarnings() throws Exception {
        Path main = Fixtures.write(dir, "Corefile", ". {\n import nothing?.conf\n}\n");
        ParseResult r = Corefile.parseFileWithWarnings(main, KNOWN, NO_ENV);
        assertEquals(1, r.warnings().size());
        assertEquals(main.toString(), r.warnings().get(0).file());
    }

    @Test
    void parseFileWithInvalidUtf8ReplacesBadBytes() throws Exception {
        Path main = dir.resolve("Corefile");
        byte[] bytes = ". {\n log \u00ff\n}\n".getBytes(StandardCharsets.ISO_8859_1);
        bytes[9] = (byte) 0xC3; // a truncated two-byte sequence followed by '\n'
        Files.write(main, bytes);
        ServerBlock b = Corefile.parseFile(main, KNOWN, NO_ENV).get(0);
        assertEquals(List.of("\uFFFD"), b.directives("log").get(0).args());
    }

    @Test
    void importedFileWithBomAndCrlf() throws Exception {
        Fixtures.write(dir, "win.conf", "\uFEFFerrors\r\nlog\r\n");
        ServerBlock b = parseMain(". {\n import win.conf\n}").blocks().get(0);
        assertEquals(List.of("errors", "log"), names(b));
        assertEquals(2, b.directives("log").get(0).nameToken().line());
    }

    @Test
    void emptyImportedFileAddsNothing() throws Exception {
        Fixtures.write(dir, "empty.conf", "# nothing\n");
        ServerBlock b = parseMain(". {\n import empty.conf\n whoami\n}").blocks().get(0);
        assertEquals(List.of("whoami"), names(b));
    }

    @Test
    void snippetExpansionCapIsTenThousand() {
        StringBuilder text = new StringBuilder("(s0) {\n log\n}\n");
        for (int i = 1; i <= 14; i++) { // s14 would expand 2^15 - 2 snippets: more than the cap, no cycle
            text.append("(s").append(i).append(") {\n import s").append(i - 1).append("\n import s")
                    .append(i - 1).append("\n}\n");
        }
        text.append(". {\n import s14\n}\n");
        ConfigException e = org.junit.jupiter.api.Assertions.assertThrows(ConfigException.class,
                () -> Fixtures.parse(text.toString()));
        assertEquals("Corefile", e.file());
        assertTrue(e.line() >= 5 && e.line() <= 58, "an import line inside a snippet body: " + e.line());
        assertTrue(e.detail().contains("maximum snippet import depth (10000) exceeded"), e.getMessage());
    }

    @Test
    void fileExpansionCapIsEnforced() throws Exception {
        // the real cap is 100,000; a parser with a small cap shows the mechanism cheaply
        Fixtures.write(dir, "leaf.conf", "log\n");
        Fixtures.write(dir, "mid.conf", "import leaf.conf\nimport leaf.conf\nimport leaf.conf\n");
        Parser parser = new Parser(dir.resolve("Corefile").toString(), ". {\n import mid.conf\n import mid.conf\n}",
                KNOWN, NO_ENV, new Parser.Limits(10_000, 5, 1_000_000));
        // main: mid (1); mid: leaf x3 (2-4); main: mid (5); mid line 1: the sixth expansion fails
        Fixtures.assertError(parser::parse, abs("mid.conf"), 1, "maximum file import depth (5) exceeded");
    }

    @Test
    void splicedTokenCapIsEnforced() {
        Parser parser = new Parser("Corefile", "(s) {\n log a b c d\n}\n. {\n import s\n import s\n import s\n}",
                KNOWN, NO_ENV, new Parser.Limits(10_000, 100_000, 12));
        Fixtures.assertError(parser::parse, "Corefile", 7, "imports expand to more than 12 tokens");
    }

    @Test
    void defaultLimitsMatchCaddy() {
        assertEquals(new Parser.Limits(10_000, 100_000, 1_000_000), Parser.Limits.DEFAULT);
    }
}
