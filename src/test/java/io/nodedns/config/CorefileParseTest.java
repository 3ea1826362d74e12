package io.nodedns.config;

import static io.nodedns.config.Fixtures.keys;
import static io.nodedns.config.Fixtures.parse;
import static io.nodedns.config.Fixtures.texts;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class CorefileParseTest {

    @Test
    void singleBlockWithDirectives() throws ConfigException {
        List<ServerBlock> blocks = parse("""
                .:53 {
                    errors
                    forward . 8.8.8.8 1.1.1.1
                    cache 30
                }
                """);
        assertEquals(1, blocks.size());
        ServerBlock b = blocks.get(0);
        assertEquals(List.of(".:53"), keys(b));
        assertEquals(List.of("errors", "forward", "cache"), b.directives().stream().map(Directive::name).toList());
        assertEquals(List.of("forward", ".", "8.8.8.8", "1.1.1.1"), texts(b.directives("forward").get(0).tokens()));
        assertEquals(List.of(".", "8.8.8.8", "1.1.1.1"), b.directives("forward").get(0).args());
        assertEquals(4, b.directives("cache").get(0).nameToken().line());
        assertEquals(".:53", b.firstToken().text());
        assertEquals(1, b.firstToken().line());
    }

    @Test
    void severalBlocksInOrder() throws ConfigException {
        List<ServerBlock> blocks = parse("""
                a.org {
                    whoami
                }
                b.org:1053 {
                    log
                }
                """);
        assertEquals(List.of(List.of("a.org"), List.of("b.org:1053")), blocks.stream().map(Fixtures::keys).toList());
    }

    @Test
    void severalKeysOnOneLine() throws ConfigException {
        ServerBlock b = parse("a.org b.org:53 dns://c.org {\n whoami\n}").get(0);
        assertEquals(List.of("a.org", "b.org:53", "dns://c.org"), keys(b));
    }

    @Test
    void trailingCommaContinuesKeysOnTheNextLine() throws ConfigException {
        ServerBlock b = parse("a.org,\nb.org, c.org,\n   d.org {\n whoami\n}").get(0);
        assertEquals(List.of("a.org", "b.org", "c.org", "d.org"), keys(b));
        assertEquals(List.of(1, 2, 2, 3), b.keys().stream().map(Token::line).toList());
        assertEquals("whoami", b.directives().get(0).name());
    }

    @Test
    void commaSeparatedKeysOnOneLine() throws ConfigException {
        assertEquals(List.of("a.org", "b.org"), keys(parse("a.org, b.org {\n}").get(0)));
    }

    @Test
    void openingBraceMayBeOnTheNextLine() throws ConfigException {
        ServerBlock b = parse("example.org\n{\n  whoami\n}").get(0);
        assertEquals(List.of("example.org"), keys(b));
        assertEquals(List.of("whoami"), b.directives().stream().map(Directive::name).toList());
    }

    @Test
    void directiveOnTheSameLineAsTheOpeningBrace() throws ConfigException {
        ServerBlock b = parse("example.org { whoami\n log\n}").get(0);
        assertEquals(List.of("whoami", "log"), b.directives().stream().map(Directive::name).toList());
    }

    @Test
    void emptyBlock() throws ConfigException {
        ServerBlock b = parse("example.org:0 {\n}").get(0);
        assertEquals(List.of("example.org:0"), keys(b));
        assertTrue(b.directives().isEmpty());
        // "{}" is one token, not a block: it is just another key
        assertEquals(List.of("a.org", "{}"), keys(parse("a.org {}").get(0)));
    }

    @Test
    void bracelessSingleBlock() throws ConfigException {
        List<ServerBlock> blocks = parse("example.org\nwhoami\nlog\nforward . 1.1.1.1\n");
        assertEquals(1, blocks.size());
        assertEquals(List.of("whoami", "log", "forward"),
                blocks.get(0).directives().stream().map(Directive::name).toList());
    }

    @Test
    void bracelessBlockEndsAtAStrayClosingBrace() throws ConfigException {
        List<ServerBlock> blocks = parse("a.org\nwhoami\n}\nb.org {\n log\n}\n");
        assertEquals(2, blocks.size());
        assertEquals(List.of("whoami"), blocks.get(0).directives().stream().map(Directive::name).toList());
        assertEquals(List.of("log"), blocks.get(1).directives().stream().map(Directive::name).toList());
    }

    @Test
    void fileOfOnlyKeysIsABlockWithoutDirectives() throws ConfigException {
        List<ServerBlock> blocks = parse("example.org other.org");
        assertEquals(List.of("example.org", "other.org"), keys(blocks.get(0)));
        assertTrue(blocks.get(0).directives().isEmpty());
    }

    @Test
    void emptyInputGivesNoBlocks() throws ConfigException {
        assertEquals(List.of(), parse(""));
        assertEquals(List.of(), parse("# nothing here\n\n"));
    }

    @Test
    void blockWithOnlyEmptyKeysIsDropped() throws ConfigException {
        List<ServerBlock> blocks = parse("{$UNSET} \"\" {\n whoami\n}\nb.org {\n log\n}");
        assertEquals(1, blocks.size());
        assertEquals(List.of("b.org"), keys(blocks.get(0)));
    }

    @Test
    void emptyKeysAreDroppedFromAMixedList() throws ConfigException {
        assertEquals(List.of("a.org", "b.org"), keys(parse("a.org {$UNSET} \"\" b.org {\n}").get(0)));
    }

    @Test
    void nestedBlockTokensIncludingBraces() throws ConfigException {
        ServerBlock b = parse("""
                . {
                    forward . 1.1.1.1 {
                        max_fails 3
                        health_check 5s {
                            domain example.org
                        }
                    }
                    cache
                }
                """).get(0);
        Directive forward = b.directives("forward").get(0);
        assertEquals(List.of("forward", ".", "1.1.1.1", "{", "max_fails", "3", "health_check", "5s", "{",
                "domain", "example.org", "}", "}"), texts(forward.tokens()));
        assertEquals(7, forward.tokens().get(forward.tokens().size() - 1).line());
        assertEquals(List.of("forward", "cache"), b.directives().stream().map(Directive::name).toList());
    }

    @Test
    void openingBraceOnTheLineAfterADirectiveStillBelongsToIt() throws ConfigException {
        // caddy checks for '{' before checking for a new line
        ServerBlock b = parse(". {\n forward . 1.1.1.1\n {\n max_fails 3\n }\n log\n}").get(0);
        assertEquals(List.of("forward", ".", "1.1.1.1", "{", "max_fails", "3", "}"),
                texts(b.directives("forward").get(0).tokens()));
        assertEquals(List.of("forward", "log"), b.directives().stream().map(Directive::name).toList());
    }

    @Test
    void repeatedDirectivesAreSeparateOccurrencesInOrder() throws ConfigException {
        ServerBlock b = parse(". {\n forward a.org 1.1.1.1\n log\n forward . 8.8.8.8\n log\n}").get(0);
        List<Directive> forwards = b.directives("forward");
        assertEquals(2, forwards.size());
        assertEquals(List.of("a.org", "1.1.1.1"), forwards.get(0).args());
        assertEquals(List.of(".", "8.8.8.8"), forwards.get(1).args());
        assertEquals(List.of("forward", "log"), List.copyOf(b.directiveNames()));
        assertEquals(List.of("forward", "a.org", "1.1.1.1", "forward", ".", "8.8.8.8"), texts(b.tokens("forward")));
        assertEquals(List.of(), b.directives("cache"));
    }

    @Test
    void quotedArgumentsKeepSpaces() throws ConfigException {
        Directive d = parse(". {\n log . \"{remote} - {type}\"\n}").get(0).directives().get(0);
        assertEquals(List.of(".", "{remote} - {type}"), d.args());
        assertTrue(d.tokens().get(2).quoted());
    }

    @Test
    void commentsAreIgnoredEverywhere() throws ConfigException {
        ServerBlock b = parse("""
                # leading comment
                example.org { # after brace
                    whoami # trailing
                    # own line
                    log#glued
                }
                """).get(0);
        assertEquals(List.of("whoami", "log"), b.directives().stream().map(Directive::name).toList());
        assertEquals(List.of("log"), texts(b.directives("log").get(0).tokens()));
    }

    @Test
    void windowsLineEndings() throws ConfigException {
        ServerBlock b = parse("example.org {\r\n  forward . 1.1.1.1\r\n  log\r\n}\r\n").get(0);
        assertEquals(List.of(".", "1.1.1.1"), b.directives("forward").get(0).args());
        assertEquals(3, b.directives("log").get(0).nameToken().line());
    }

    @Test
    void byteOrderMarkBeforeTheFirstKey() throws ConfigException {
        assertEquals(List.of("example.org"), keys(parse("\uFEFFexample.org {\n whoami\n}").get(0)));
    }

    @Test
    void nullDirectivePredicateAcceptsAnyName() throws ConfigException {
        List<ServerBlock> blocks = Corefile.parse("Corefile", ". {\n anything goes\n}", null, Fixtures.NO_ENV);
        assertEquals("anything", blocks.get(0).directives().get(0).name());
    }

    @Test
    void multiLineQuotedArgumentDoesNotStartANewDirective() throws ConfigException {
        ServerBlock b = parse(". {\n template \"a\nb\" tail\n log\n}").get(0);
        assertEquals(List.of("a\nb", "tail"), b.directives("template").get(0).args());
        assertEquals(List.of("template", "log"), b.directives().stream().map(Directive::name).toList());
    }

    @Test
    void keysMayLookLikeAnything() throws ConfigException {
        ServerBlock b = parse("\"quoted key\" tls://a.org:853 10.0.0.0/24 [::1]:53 {\n}").get(0);
        assertEquals(List.of("quoted key", "tls://a.org:853", "10.0.0.0/24", "[::1]:53"), keys(b));
    }

    @Test
    void keyWithBraceGluedIsOneKeyAndNeedsAnotherLine() throws ConfigException {
        // "example.org{" is one token; the block has no braces, so the next line is a directive
        ServerBlock b = parse("example.org{\nwhoami\n").get(0);
        assertEquals(List.of("example.org{"), keys(b));
        assertEquals("whoami", b.directives().get(0).name());
    }

    @Test
    void snippetDefinitionAndImport() throws ConfigException {
        List<ServerBlock> blocks = parse("""
                (common) {
                    errors
                    log . {
                        class denial
                    }
                }
                a.org {
                    import common
                    whoami
                }
                b.org {
                    import common
                }
                """);
        assertEquals(2, blocks.size(), "the snippet is not a server block");
        ServerBlock a = blocks.get(0);
        assertEquals(List.of("errors", "log", "whoami"), a.directives().stream().map(Directive::name).toList());
        assertEquals(List.of("log", ".", "{", "class", "denial", "}"), texts(a.directives("log").get(0).tokens()));
        assertEquals(2, a.directives("errors").get(0).nameToken().line(), "snippet tokens keep their own lines");
        assertEquals(List.of("errors", "log"), blocks.get(1).directives().stream().map(Directive::name).toList());
    }

    @Test
    void snippetImportedInsideADirectiveBlock() throws ConfigException {
        ServerBlock b = parse("""
                (opts) {
                    max_fails 5
                    expire 10s
                }
                . {
                    forward . 1.1.1.1 {
                        import opts
                        policy sequential
                    }
                }
                """).get(0);
        assertEquals(List.of("forward", ".", "1.1.1.1", "{", "max_fails", "5", "expire", "10s", "policy",
                "sequential", "}"), texts(b.directives("forward").get(0).tokens()));
    }

    @Test
    void snippetImportedAtTopLevelProvidesWholeBlocks() throws ConfigException {
        List<ServerBlock> blocks = parse("(blocks) {\n a.org {\n  whoami\n }\n}\nimport blocks\nb.org {\n log\n}");
        assertEquals(List.of(List.of("a.org"), List.of("b.org")), blocks.stream().map(Fixtures::keys).toList());
    }

    @Test
    void snippetCanImportAnEarlierSnippet() throws ConfigException {
        ServerBlock b = parse("(a) {\n log\n}\n(b) {\n import a\n errors\n}\n. {\n import b\n}").get(0);
        assertEquals(List.of("log", "errors"), b.directives().stream().map(Directive::name).toList());
    }

    @Test
    void snippetBodyIsStoredUnexpandedAndSubstitutedAtUse() throws ConfigException {
        ServerBlock b = parse("(s) {\n forward . {$UP}\n}\n. {\n import s\n}", Map.of("UP", "9.9.9.9")).get(0);
        assertEquals(List.of(".", "9.9.9.9"), b.directives("forward").get(0).args());
    }

    @Test
    void unusedSnippetIsFine() throws ConfigException {
        assertEquals(1, parse("(unused) {\n whatever tokens {\n nested\n }\n}\n. {\n whoami\n}").size());
    }

    @Test
    void importNameThatIsNotASnippetBeforeItsDefinitionIsAFile() {
        // snippets must be defined earlier in the file; otherwise the name is a path
        Fixtures.assertError(". {\n import later\n}\n(later) {\n log\n}", "Corefile", 2,
                "File to import not found: later");
    }

    @Test
    void multipleKeysWithParenthesesAreNotASnippet() throws ConfigException {
        assertEquals(List.of("(a)", "(b)"), keys(parse("(a) (b) {\n}").get(0)));
    }

    @Test
    void directiveNamesAndArgumentsAreEnvSubstituted() throws ConfigException {
        ServerBlock b = parse("{$ZONE}:{$PORT} {\n {$DIR} . {%UP%}\n}",
                Map.of("ZONE", "example.org", "PORT", "1053", "DIR", "forward", "UP", "1.2.3.4")).get(0);
        assertEquals(List.of("example.org:1053"), keys(b));
        Directive d = b.directives().get(0);
        assertEquals("forward", d.name());
        assertEquals("forward", d.nameToken().text());
        assertEquals(List.of(".", "1.2.3.4"), d.args());
    }

    @Test
    void envValueWithSpacesStaysOneToken() throws ConfigException {
        Directive d = parse(". {\n log . {$FMT}\n}", Map.of("FMT", "{name} {type}")).get(0).directives().get(0);
        assertEquals(List.of(".", "{name} {type}"), d.args());
    }

    @Test
    void envSubstitutionMidTokenAndInsideQuotes() throws ConfigException {
        Directive d = parse(". {\n file db.{$Z}.zone \"x {$Z} y\"\n}", Map.of("Z", "example")).get(0).directives()
                .get(0);
        assertEquals(List.of("db.example.zone", "x example y"), d.args());
    }

    @Test
    void envValueWithTrailingCommaContinuesTheKeyList() throws ConfigException {
        assertEquals(List.of("a.org", "b.org"), keys(parse("{$K}\nb.org {\n}", Map.of("K", "a.org,")).get(0)));
    }

    @Test
    void unknownVariableBecomesEmptyAndDirectiveUnaffected() throws ConfigException {
        Directive d = parse(". {\n forward . x{$NOPE}y\n}").get(0).directives().get(0);
        assertEquals(List.of(".", "xy"), d.args());
    }

    @Test
    void parseReturnsWarningsSeparately() throws ConfigException {
        ParseResult r = Corefile.parseWithWarnings("Corefile", ". {\n whoami\n}", Fixtures.KNOWN, Fixtures.NO_ENV);
        assertEquals(1, r.blocks().size());
        assertEquals(List.of(), r.warnings());
    }

    @Test
    void toStringsAreReadable() throws ConfigException {
        ServerBlock b = parse("a.org {\n forward . 1.1.1.1\n}").get(0);
        assertEquals("a.org {\n  forward . 1.1.1.1\n}", b.toString());
        assertEquals("forward . 1.1.1.1", b.directives().get(0).toString());
    }
}
