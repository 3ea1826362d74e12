package io.nodedns.config;

import static io.nodedns.config.Fixtures.parse;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class DispenserTest {

    private static Dispenser dispenser(String blockBody, String directive) throws ConfigException {
        return parse(". {\n" + blockBody + "\n}").get(0).directives(directive).get(0).dispenser();
    }

    @Test
    void startsBeforeTheNameAndWalksArgs() throws ConfigException {
        Dispenser d = dispenser("forward . 1.1.1.1 8.8.8.8", "forward");
        assertEquals("", d.val());
        assertTrue(d.next());
        assertEquals("forward", d.val());
        assertTrue(d.nextArg());
        assertEquals(".", d.val());
        assertEquals(List.of("1.1.1.1", "8.8.8.8"), d.remainingArgs());
        assertFalse(d.nextArg());
        assertFalse(d.next());
        assertEquals("8.8.8.8", d.val(), "a failed move leaves the cursor in place");
    }

    @Test
    void nextArgStopsAtBraceAndLineEnd() throws ConfigException {
        Dispenser d = dispenser("forward . 1.1.1.1 {\n max_fails 3\n}", "forward");
        d.next();
        assertEquals(List.of(".", "1.1.1.1"), d.remainingArgs());
        assertFalse(d.nextArg(), "'{' is not an argument");
        assertTrue(d.blockFollows());
        assertTrue(d.next());
        assertEquals("{", d.val());
        assertTrue(d.next());
        assertEquals("max_fails", d.val());
        assertTrue(d.nextArg());
        assertFalse(d.nextArg(), "'}' is on the next line");
    }

    @Test
    void nextBlockWalksSubdirectives() throws ConfigException {
        Dispenser d = dispenser("forward . 1.1.1.1 {\n max_fails 3\n expire 10s\n force_tcp\n}", "forward");
        d.next();
        d.remainingArgs();
        List<String> seen = new ArrayList<>();
        while (d.nextBlock()) {
            seen.add(d.val() + d.remainingArgs());
        }
        assertEquals(List.of("max_fails[3]", "expire[10s]", "force_tcp[]"), seen);
        assertEquals("}", d.val());
        assertEquals(0, d.nesting());
        assertFalse(d.nextBlock());
        assertFalse(d.next());
    }

    @Test
    void nextBlockWithoutBlockIsFalseAndDoesNotMove() throws ConfigException {
        Dispenser d = dispenser("cache 30", "cache");
        d.next();
        d.nextArg();
        assertFalse(d.nextBlock());
        assertEquals("30", d.val());
    }

    @Test
    void zoneArgsNormalizeTheRestOfTheLineOrGiveTheDefault() throws ConfigException {
        Dispenser d = dispenser("kubernetes Cluster.Local 10.0.0.0/23 {\n ttl 5\n}", "kubernetes");
        d.next();
        assertEquals(List.of("cluster.local.", "0.0.10.in-addr.arpa.", "1.0.10.in-addr.arpa."),
                d.zoneArgs(List.of(".")));
        assertTrue(d.nextBlock(), "the block is still there");
        Dispenser bare = dispenser("file db.example", "file");
        bare.next();
        bare.requireArg();
        assertEquals(List.of("example.org."), bare.zoneArgs(List.of("example.org.")));
    }

    @Test
    void nextBlockRightAfterTheNameWithoutArgs() throws ConfigException {
        Dispenser d = dispenser("cache {\n success 100\n}", "cache");
        d.next();
        assertTrue(d.nextBlock());
        assertEquals("success", d.val());
        assertEquals(List.of("100"), d.remainingArgs());
        assertFalse(d.nextBlock());
    }

    @Test
    void emptyBlock() throws ConfigException {
        Dispenser d = dispenser("cache {\n}", "cache");
        d.next();
        assertFalse(d.nextBlock());
        assertEquals("}", d.val());
        assertEquals(0, d.nesting());
    }

    @Test
    void nestedBlocksAreEnteredAndEndSeparately() throws ConfigException {
        Dispenser d = dispenser("""
                forward . 1.1.1.1 {
                    health_check 1s {
                        domain a.org
                        other x
                    }
                    max_fails 2
                }""", "forward");
        d.next();
        d.remainingArgs();
        List<String> outer = new ArrayList<>();
        List<String> inner = new ArrayList<>();
        while (d.nextBlock()) {
            outer.add(d.val());
            if (d.val().equals("health_check")) {
                d.remainingArgs();
                while (d.nextBlock()) {
                    inner.add(d.val() + d.remainingArgs());
                }
                assertEquals(1, d.nesting());
            }
            d.remainingArgs();
        }
        assertEquals(List.of("health_check", "max_fails"), outer);
        assertEquals(List.of("domain[a.org]", "other[x]"), inner);
        assertEquals(0, d.nesting());
    }

    @Test
    void explicitLevelFormLikeCaddyV2() throws ConfigException {
        Dispenser d = dispenser("tls a {\n sub {\n  x\n }\n y\n}", "tls");
        d.next();
        d.remainingArgs();
        List<String> seen = new ArrayList<>();
        for (int level = d.nesting(); d.nextBlock(level);) {
            seen.add(d.val());
        }
        // nested braces are returned as tokens and counted, not entered implicitly
        assertEquals(List.of("sub", "{", "x", "}", "y"), seen);
        assertEquals(0, d.nesting());
        assertEquals("}", d.val());
    }

    @Test
    void explicitLevelFormEnteringANestedBlock() throws ConfigException {
        Dispenser d = dispenser("tls a {\n sub {\n  x\n }\n y\n}", "tls");
        d.next();
        d.remainingArgs();
        List<String> seen = new ArrayList<>();
        for (int outer = d.nesting(); d.nextBlock(outer);) {
            seen.add(d.val());
            if (d.val().equals("sub")) {
                for (int inner = d.nesting(); d.nextBlock(inner);) {
                    seen.add("inner:" + d.val());
                }
            }
        }
        assertEquals(List.of("sub", "inner:x", "y"), seen);
    }

    @Test
    void nextLine() throws ConfigException {
        Dispenser d = dispenser("hosts {\n 1.2.3.4 a.org\n fallthrough\n}", "hosts");
        d.next();
        assertFalse(d.nextLine(), "'{' is on the same line");
        d.next();
        assertTrue(d.nextLine());
        assertEquals("1.2.3.4", d.val());
        assertFalse(d.nextLine());
        d.nextArg();
        assertTrue(d.nextLine());
        assertEquals("fallthrough", d.val());
    }

    @Test
    void tokenFileAndLine() throws ConfigException {
        Dispenser d = dispenser("log\nforward . 1.1.1.1", "forward");
        assertEquals("forward", d.token().text(), "before moving, token() is the first token");
        d.next();
        d.nextArg();
        assertEquals(".", d.token().text());
        assertEquals("Corefile", d.file());
        assertEquals(3, d.line());
        assertEquals(3, d.tokens().size());
    }

    @Test
    void errorsCarryTheCurrentPosition() throws ConfigException {
        Dispenser d = dispenser("\nforward . 1.1.1.1 {\n bogus 1\n}", "forward");
        d.next();
        d.remainingArgs();
        assertTrue(d.nextBlock());
        ConfigException e = d.err("unknown property 'bogus'");
        assertEquals("Corefile", e.file());
        assertEquals(4, e.line());
        assertEquals("Corefile:4 - Error during parsing: unknown property 'bogus'", e.getMessage());
        assertEquals("unknown property 'bogus'", e.detail());
    }

    @Test
    void argErrMessages() throws ConfigException {
        Dispenser d = dispenser("cache", "cache");
        d.next();
        assertEquals("Wrong argument count or unexpected line ending after 'cache'", d.argErr().detail());
        Dispenser braced = dispenser("cache {\n}", "cache");
        braced.next();
        braced.next();
        assertEquals("Unexpected token '{', expecting argument", braced.argErr().detail());
    }

    @Test
    void syntaxAndEofErrors() throws ConfigException {
        Dispenser d = dispenser("cache x", "cache");
        d.next();
        d.nextArg();
        assertEquals("Syntax error: Unexpected token 'x', expecting '{'", d.syntaxErr("{").detail());
        assertEquals("Unexpected EOF", d.eofErr().detail());
        assertEquals(2, d.syntaxErr("{").line());
    }

    @Test
    void requireArgAndNoMoreArgs() throws ConfigException {
        Dispenser d = dispenser("cache 30 extra", "cache");
        d.next();
        assertEquals("30", d.requireArg());
        ConfigException e = assertThrows(ConfigException.class, d::requireNoMoreArgs);
        assertEquals("Wrong argument count or unexpected line ending after 'extra'", e.detail());
        assertThrows(ConfigException.class, d::requireArg);
    }

    @Test
    void intArgParsesAndChecksRange() throws ConfigException {
        Dispenser d = dispenser("cache 30 +7 -1 x 99999999999 70000", "cache");
        d.next();
        assertEquals(30, d.intArg(0, 100));
        assertEquals(7, d.intArg(0, 100));
        assertEquals("plugin/cache: '-1' is out of range [0, 100]",
                assertThrows(ConfigException.class, () -> d.intArg(0, 100)).detail());
        assertEquals("plugin/cache: invalid integer 'x'",
                assertThrows(ConfigException.class, () -> d.intArg(0, 100)).detail());
        assertThrows(ConfigException.class, () -> d.intArg(0, Integer.MAX_VALUE));
        assertEquals(70000, d.intArg(0, 70000));
        assertThrows(ConfigException.class, () -> d.intArg(0, 1));
    }

    @Test
    void durationArgs() throws ConfigException {
        Dispenser d = dispenser("health 1.5s 300ms 1h2m 10 10 5x", "health");
        d.next();
        assertEquals(Duration.ofMillis(1500), d.durationArg());
        assertEquals(Duration.ofMillis(300), d.durationArg());
        assertEquals(Duration.ofMinutes(62), d.durationArg());
        ConfigException e = assertThrows(ConfigException.class, d::durationArg);
        assertTrue(e.detail().contains("missing unit in duration \"10\""), e.detail());
        assertEquals(Duration.ofSeconds(10), d.durationArgLenient());
        assertThrows(ConfigException.class, d::durationArgLenient);
        assertThrows(ConfigException.class, d::durationArg, "no arguments left");
    }

    @Test
    void goNumbersWithGosErrorTexts() throws ConfigException {
        Dispenser d = dispenser("forward . 1.1.1.1 {\n max_fails 7\n max_fails -1\n max_fails 4294967296\n}",
                "forward");
        d.next();
        d.remainingArgs();
        assertTrue(d.nextBlock());
        assertEquals(7, d.uint32Arg());
        assertTrue(d.nextBlock());
        assertEquals("plugin/forward: strconv.ParseUint: parsing \"-1\": invalid syntax",
                assertThrows(ConfigException.class, d::uint32Arg).detail());
        d.requireNoMoreArgs();
        assertTrue(d.nextBlock());
        ConfigException e = assertThrows(ConfigException.class, d::uint32Arg);
        assertEquals("plugin/forward: strconv.ParseUint: parsing \"4294967296\": value out of range", e.detail());
        assertEquals(5, e.line());

        Dispenser c = dispenser("cache 30 +7 x 99999999999999999999", "cache");
        c.next();
        List<Token> args = c.remainingArgTokens();
        assertEquals(30, c.atoi(args.get(0)));
        assertEquals(7, c.atoi(args.get(1)));
        assertEquals("plugin/cache: strconv.Atoi: parsing \"x\": invalid syntax",
                assertThrows(ConfigException.class, () -> c.atoi(args.get(2))).detail());
        assertEquals("plugin/cache: strconv.Atoi: parsing \"99999999999999999999\": value out of range",
                assertThrows(ConfigException.class, () -> c.atoi(args.get(3))).detail());
    }

    @Test
    void durationsAndThePluginPrefix() throws ConfigException {
        Dispenser d = dispenser("forward . 1.1.1.1 {\n expire 10s\n expire -1s\n expire soon\n expire 1s 2s\n}",
                "forward");
        d.next();
        assertEquals("forward", d.plugin());
        d.remainingArgs();
        assertTrue(d.nextBlock());
        assertEquals(Duration.ofSeconds(10), d.nonNegativeDurationArg("expire"));
        assertTrue(d.nextBlock());
        assertEquals("plugin/forward: expire can't be negative: -1s",
                assertThrows(ConfigException.class, () -> d.nonNegativeDurationArg("expire")).detail());
        assertTrue(d.nextBlock());
        assertEquals("plugin/forward: time: invalid duration \"soon\"",
                assertThrows(ConfigException.class, () -> d.nonNegativeDurationArg("expire")).detail());
        assertTrue(d.nextBlock());
        ConfigException e = assertThrows(ConfigException.class, () -> d.nonNegativeDurationArg("expire"));
        assertTrue(e.detail().startsWith("Wrong argument count"), e.detail());
        assertEquals("Corefile:6 - Error during parsing: plugin/forward: x", d.pluginErr("x").getMessage());
    }

    @Test
    void worksOnHandMadeTokens() {
        Dispenser d = new Dispenser(List.of(new Token("a", "f", 1, false), new Token("b", "f", 2, false)));
        assertTrue(d.nextArg(), "the first token is reachable with nextArg, as in caddy");
        assertFalse(d.nextArg());
        assertTrue(d.nextLine());
        assertEquals("b", d.val());
        Dispenser empty = new Dispenser(List.of());
        assertFalse(empty.next());
        assertFalse(empty.nextBlock());
        assertEquals(0, empty.err("x").line());
    }

    @Test
    void differentFilesAreDifferentLines() {
        Dispenser d = new Dispenser(List.of(new Token("a", "f1", 1, false), new Token("b", "f2", 1, false)));
        d.next();
        assertFalse(d.nextArg());
        assertTrue(d.nextLine());
    }

    @Test
    void truncatedBlockEndsTheLoop() {
        Dispenser d = new Dispenser(List.of(new Token("x", "f", 1, false), new Token("{", "f", 1, false),
                new Token("a", "f", 2, false)));
        d.next();
        assertTrue(d.nextBlock());
        assertEquals("a", d.val());
        assertFalse(d.nextBlock());
        assertEquals(0, d.nesting());
    }
}
