package io.nodedns.config;

import static io.nodedns.config.Fixtures.KNOWN;
import static io.nodedns.config.Fixtures.assertError;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Each case is a broken Corefile; each asserts the exact file and line of the error. */
class MalformedCorefileTest {

    @TempDir
    Path dir;

    private String main() {
        return dir.resolve("Corefile").toString();
    }

    private String abs(String name) {
        return dir.resolve(name).toAbsolutePath().normalize().toString();
    }

    private Fixtures.ParseCall inDir(String text) {
        return () -> Corefile.parse(main(), text, KNOWN, Fixtures.NO_ENV);
    }

    // --- directives and braces -------------------------------------------------------------

    @Test
    void unknownDirective() {
        assertError(". {\n  whoami\n  bogus arg\n}", "Corefile", 3, "Unknown directive 'bogus'");
    }

    @Test
    void unknownDirectiveInABracelessBlock() {
        assertError("example.org\nlog\nnotaplugin\n", "Corefile", 3, "Unknown directive 'notaplugin'");
    }

    @Test
    void unknownDirectiveAfterEnvSubstitution() {
        assertError(() -> Fixtures.parse(". {\n {$D} x\n}", Map.of("D", "bogus")), "Corefile", 2,
                "Unknown directive 'bogus'");
    }

    @Test
    void lonelyOpeningBraceInsideABlockIsAnUnknownDirective() {
        assertError("example.org {\n{\n}\n}", "Corefile", 2, "Unknown directive '{'");
    }

    /** Issue 22 item 6: braces run together with each other or a word are named as such, not as an unknown directive. */
    @Test
    void bracesRunTogetherAreNamed() {
        String why = "' is not a directive: braces must stand alone, separated by spaces or line breaks;"
                + " a block ends with one '}' on a line of its own";
        assertError("example.org {\n    whoami\n}}\n", "Corefile", 3, "'}}" + why);
        assertError("example.org {\n    whoami\n    }}\n}\n", "Corefile", 3, "'}}" + why);
        assertError("example.org {\n    whoami}\n}\n", "Corefile", 2, "'whoami}" + why);
    }

    @Test
    void strayClosingBraceAtTopLevel() {
        assertError(". {\n  whoami\n}\n}\n", "Corefile", 4, "Unexpected '}' because no matching opening brace");
    }

    @Test
    void closingBraceAsTheFirstToken() {
        assertError("\n\n}", "Corefile", 3, "Unexpected '}'");
    }

    @Test
    void closingBraceOnTheDirectiveLine() {
        assertError(". {\n  whoami }\n", "Corefile", 2, "Unexpected '}' because no matching opening brace");
    }

    @Test
    void oneLineBlockIsRejectedAsInCaddy() {
        assertError("example.org { whoami }", "Corefile", 1, "Unexpected '}'");
    }

    @Test
    void missingClosingBraceOfServerBlock() {
        ConfigException e = assertError(". {\n  whoami\n  log\n", "Corefile", 1, "Unexpected EOF - missing '}'");
        assertTrue(e.detail().contains("opened on this line"), e.getMessage());
    }

    @Test
    void missingClosingBraceWhenTheFileEndsWithANestedBlocksBrace() {
        // caddy accepts this by accident; the outer block is still open at EOF
        assertError(". {\n forward . 1.1.1.1 {\n  max_fails 3\n }\n", "Corefile", 1, "missing '}'");
    }

    @Test
    void missingClosingBraceOfADirectiveBlock() {
        assertError(". {\n forward . 1.1.1.1 {\n  max_fails 3\n", "Corefile", 2, "missing '}'");
    }

    @Test
    void missingClosingBraceOfTheInnermostOpenBlock() {
        assertError(". {\n forward . 1.1.1.1 {\n  health_check 1s {\n   domain x.org\n", "Corefile", 3,
                "missing '}'");
    }

    // --- keys --------------------------------------------------------------------------------

    @Test
    void openingBraceAfterATrailingComma() {
        assertError("a.org, b.org,\n{\n whoami\n}", "Corefile", 2, "check for an extra comma");
    }

    @Test
    void openingBraceRightAfterACommaOnTheSameLine() {
        assertError("a.org, {\n}", "Corefile", 1, "Expected another key after 'a.org,' but found '{'");
    }

    @Test
    void trailingCommaAtEndOfInput() {
        assertError("a.org,\n  b.org,", "Corefile", 2, "Unexpected EOF: expected another key after 'b.org,'");
    }

    // --- snippets ----------------------------------------------------------------------------

    @Test
    void duplicateSnippet() {
        assertError("(s) {\n log\n}\n(s) {\n errors\n}", "Corefile", 4,
                "redeclaration of previously declared snippet s");
    }

    @Test
    void snippetImportingItself() {
        assertError("(loop) {\n log\n import loop\n}", "Corefile", 3, "snippet loop imports itself");
    }

    @Test
    void snippetWithoutBraces() {
        assertError("(s)\nlog\n", "Corefile", 2, "Syntax error: Unexpected token 'log', expecting '{'");
    }

    @Test
    void snippetNameAloneAtEndOfInput() {
        assertError("\n(s)", "Corefile", 2, "snippet (s) needs a { } body");
    }

    @Test
    void unclosedSnippet() {
        assertError("(s) {\n log {\n }\n", "Corefile", 1, "missing '}'");
    }

    @Test
    void indirectSnippetCycle() {
        // b is defined first and imports a, which is defined later and imports b
        assertError("(b) {\n import a\n}\n(a) {\n import b\n}\n. {\n import a\n}", "Corefile", 2,
                "snippet a -> snippet b -> snippet a");
    }

    @Test
    void unknownDirectiveInsideASnippetPointsAtTheSnippet() {
        assertError("(s) {\n log\n oops\n}\n. {\n import s\n}", "Corefile", 3, "Unknown directive 'oops'");
    }

    // --- import syntax -----------------------------------------------------------------------

    @Test
    void importWithoutArgument() {
        assertError(". {\n import\n}", "Corefile", 2, "Wrong argument count or unexpected line ending after 'import'");
    }

    @Test
    void topLevelImportWithoutArgumentAtEndOfInput() {
        assertError("a.org {\n}\nimport", "Corefile", 3, "unexpected line ending after 'import'");
    }

    @Test
    void importWithTwoArguments() {
        assertError(". {\n log\n import a.conf b.conf\n}", "Corefile", 3,
                "Import takes only one argument (glob pattern or file), but found 'b.conf'");
    }

    @Test
    void importOfAnEmptyVariable() {
        assertError(". {\n import {$NOTHING}\n}", "Corefile", 2, "Import requires a non-empty filepath");
    }

    @Test
    void importOfAnEmptyQuotedString() {
        assertError("import \"\"\n", "Corefile", 1, "Import requires a non-empty filepath");
    }

    @Test
    void importOfAMissingFile() {
        assertError(inDir(". {\n whoami\n import nothere.conf\n}"), main(), 3,
                "File to import not found: nothere.conf");
    }

    @Test
    void importOfADirectory() throws IOException {
        Files.createDirectories(dir.resolve("conf.d"));
        assertError(inDir(". {\n import conf.d\n}"), main(), 2, "is a directory");
    }

    @Test
    void globMatchingADirectory() throws IOException {
        Files.createDirectories(dir.resolve("d/sub.conf"));
        assertError(inDir(". {\n import d/*.conf\n}"), main(), 2, "is a directory");
    }

    @Test
    void globWithTwoStars() {
        assertError(inDir(". {\n import */*.conf\n}"), main(), 2, "Glob pattern may only contain one wildcard");
    }

    @Test
    void globWithTwoQuestionMarks() {
        assertError(inDir("\n\nimport a??.conf"), main(), 3, "Glob pattern may only contain one wildcard");
    }

    @Test
    void globWithACharacterClass() {
        assertError(inDir(". {\n import [ab].conf\n}"), main(), 2, "Glob pattern may only contain one wildcard");
    }

    @Test
    void globWithAnUnclosedBracket() {
        assertError(inDir(". {\n import x[.conf\n}"), main(), 2, "syntax error in pattern");
    }

    // --- errors inside imported files --------------------------------------------------------

    @Test
    void unknownDirectiveInsideAnImportedFile() throws IOException {
        Fixtures.write(dir, "inc/extra.conf", "log\n\n# comment\nbogus here\n");
        assertError(inDir(". {\n import inc/extra.conf\n}"), abs("inc/extra.conf"), 4, "Unknown directive 'bogus'");
    }

    @Test
    void strayBraceInsideAnImportedFile() throws IOException {
        Fixtures.write(dir, "blocks.conf", "a.org {\n whoami\n}\n}\n");
        assertError(inDir("import blocks.conf\n"), abs("blocks.conf"), 4, "Unexpected '}'");
    }

    @Test
    void unclosedBlockInsideAnImportedFile() throws IOException {
        Fixtures.write(dir, "half.conf", "\nb.org {\n log\n");
        assertError(inDir("import half.conf\n"), abs("half.conf"), 2, "missing '}'");
    }

    @Test
    void errorTwoImportsDeep() throws IOException {
        Fixtures.write(dir, "one.conf", "import two.conf\n");
        Fixtures.write(dir, "two.conf", "errors\nlog\n  forward . 1.1.1.1 }\n");
        assertError(inDir(". {\n import one.conf\n}"), abs("two.conf"), 3, "Unexpected '}'");
    }

    @Test
    void missingFileImportedFromAnImportedFile() throws IOException {
        Fixtures.write(dir, "sub/a.conf", "\n\nimport b.conf\n");
        assertError(inDir(". {\n import sub/a.conf\n}"), abs("sub/a.conf"), 3, "File to import not found: b.conf");
    }

    @Test
    void fileImportingItself() throws IOException {
        Fixtures.write(dir, "self.conf", "log\nimport self.conf\n");
        assertError(inDir(". {\n import self.conf\n}"), abs("self.conf"), 2, "Import cycle: ");
    }

    @Test
    void twoFilesImportingEachOther() throws IOException {
        Fixtures.write(dir, "a.conf", "import b.conf\n");
        Fixtures.write(dir, "b.conf", "log\n\nimport a.conf\n");
        ConfigException e = assertError(inDir(". {\n import a.conf\n}"), abs("b.conf"), 3, "Import cycle: ");
        assertTrue(e.detail().contains("a.conf -> ") && e.detail().endsWith("a.conf"), e.getMessage());
    }

    @Test
    void importOfTheMainCorefileIsACycle() throws IOException {
        Path main = Fixtures.write(dir, "Corefile", ". {\n whoami\n}\nimport Corefile\n");
        assertError(() -> Corefile.parseFile(main, KNOWN, Fixtures.NO_ENV), main.toString(), 4, "Import cycle: ");
    }

    @Test
    void globThatMatchesTheImportingFile() throws IOException {
        Fixtures.write(dir, "parts/x.conf", "log\n");
        Fixtures.write(dir, "parts/y.conf", "import *.conf\n");
        assertError(inDir(". {\n import parts/y.conf\n}"), abs("parts/y.conf"), 1, "Import cycle: ");
    }

    // --- files -------------------------------------------------------------------------------

    @Test
    void missingCorefile() {
        Path missing = dir.resolve("nope/Corefile");
        assertError(() -> Corefile.parseFile(missing, KNOWN, Fixtures.NO_ENV), missing.toString(), 0,
                "no such file or directory");
    }

    @Test
    void corefileThatIsADirectory() {
        assertError(() -> Corefile.parseFile(dir, KNOWN, Fixtures.NO_ENV), dir.toString(), 0, "is a directory");
    }
}
