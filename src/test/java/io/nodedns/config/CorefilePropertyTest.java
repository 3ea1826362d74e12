package io.nodedns.config;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * Seeded property tests of the Corefile parser. (1) Random valid Corefiles, written with random
 * layout (indentation, blank lines, comments, quoting, CRLF), parse to exactly the blocks,
 * directives, token texts, quoting and line numbers they were generated from. (2) Print/parse
 * round trip: the parsed blocks printed back (by {@link #print}) parse to the same digest and
 * tokens. A failure names the seed; replay with {@code -Dnodedns.seed=N}.
 */
class CorefilePropertyTest {
    private static final int CASES = 2000;
    private static final String WORD_CHARS = "abcdefghijklmnopqrstuvwxyz0123456789.-_:*@=,";
    private static final String QUOTED_CHARS = WORD_CHARS + " \t#{}\"'()\n";

    interface Check {
        void run(SplittableRandom rnd) throws Exception;
    }

    static void forAll(String what, Check check) {
        long seed = Long.getLong("nodedns.seed", System.nanoTime());
        SplittableRandom rnd = new SplittableRandom(seed);
        for (int i = 0; i < CASES; i++) {
            try {
                check.run(rnd);
            } catch (Throwable t) {
                throw new AssertionError(what + " failed on case " + i + "; replay with -Dnodedns.seed=" + seed, t);
            }
        }
    }

    /** A token as generated: its text, whether it is written quoted, and the line it must be read on. */
    record Expected(String text, boolean quoted, int line) {
    }

    /** Writes Corefile text and records where each token lands. */
    static final class Writer {
        final StringBuilder out = new StringBuilder();
        final SplittableRandom rnd;
        final String newline;
        int line = 1;

        Writer(SplittableRandom rnd) {
            this.rnd = rnd;
            this.newline = rnd.nextInt(5) == 0 ? "\r\n" : "\n";
        }

        Expected token(String text, boolean quoted) {
            if (out.length() > 0 && out.charAt(out.length() - 1) != '\n') {
                out.append(rnd.nextBoolean() ? " " : "\t ");
            }
            Expected e = new Expected(text, quoted, line);
            if (quoted) {
                out.append('"').append(text.replace("\"", "\\\"")).append('"');
                line += (int) text.chars().filter(c -> c == '\n').count();
            } else {
                out.append(text);
            }
            return e;
        }

        void endLine() {
            if (rnd.nextInt(6) == 0) {
                out.append(" # note {} \"");
            }
            out.append(newline);
            line++;
            while (rnd.nextInt(5) == 0) {
                out.append(rnd.nextBoolean() ? "# comment" : "   ").append(newline);
                line++;
            }
        }

        void indent() {
            int n = rnd.nextInt(5);
            out.append(rnd.nextBoolean() ? " ".repeat(n) : "\t".repeat(n));
        }
    }

    @Test
    void generatedCorefilesParseToWhatWasWritten() {
        forAll("generate/parse", rnd -> {
            Writer w = new Writer(rnd);
            List<List<Expected>> keys = new ArrayList<>();
            List<List<List<Expected>>> directives = new ArrayList<>();
            int blocks = 1 + rnd.nextInt(4);
            for (int b = 0; b < blocks; b++) {
                List<Expected> blockKeys = new ArrayList<>();
                for (int k = 1 + rnd.nextInt(3); k > 0; k--) {
                    blockKeys.add(w.token(key(rnd), false));
                }
                keys.add(blockKeys);
                w.token("{", false);
                w.endLine();
                List<List<Expected>> blockDirectives = new ArrayList<>();
                for (int d = rnd.nextInt(5); d > 0; d--) {
                    blockDirectives.add(directive(rnd, w));
                }
                directives.add(blockDirectives);
                w.token("}", false);
                w.endLine();
            }
            String text = w.out.toString();
            List<ServerBlock> parsed = Corefile.parse("Corefile", text, null, Fixtures.NO_ENV);
            assertEquals(blocks, parsed.size(), text);
            for (int b = 0; b < blocks; b++) {
                ServerBlock block = parsed.get(b);
                assertTokens(keys.get(b), block.keys(), text);
                assertEquals(directives.get(b).size(), block.directives().size(), text);
                for (int d = 0; d < directives.get(b).size(); d++) {
                    assertTokens(directives.get(b).get(d), block.directives().get(d).tokens(), text);
                }
            }
            roundTrip(parsed, rnd);
        });
    }

    /** name args... [{ lines of words }] */
    private static List<Expected> directive(SplittableRandom rnd, Writer w) {
        List<Expected> tokens = new ArrayList<>();
        w.indent();
        tokens.add(w.token(word(rnd), false));
        for (int a = rnd.nextInt(4); a > 0; a--) {
            tokens.add(arg(rnd, w));
        }
        if (rnd.nextInt(3) == 0) {
            tokens.add(w.token("{", false));
            w.endLine();
            for (int l = rnd.nextInt(4); l > 0; l--) {
                w.indent();
                for (int a = 1 + rnd.nextInt(3); a > 0; a--) {
                    tokens.add(arg(rnd, w));
                }
                w.endLine();
            }
            w.indent();
            tokens.add(w.token("}", false));
        }
        w.endLine();
        return tokens;
    }

    private static Expected arg(SplittableRandom rnd, Writer w) {
        if (rnd.nextInt(4) == 0) {
            String text;
            do {
                text = randomText(rnd, QUOTED_CHARS, rnd.nextInt(12));
            } while (text.equals("{") || text.equals("}") || text.endsWith("\\"));
            return w.token(text, true);
        }
        return w.token(word(rnd), false);
    }

    private static String key(SplittableRandom rnd) {
        return switch (rnd.nextInt(4)) {
            case 0 -> ".";
            case 1 -> word(rnd) + ":" + (1 + rnd.nextInt(65535));
            case 2 -> "dns://" + word(rnd);
            default -> word(rnd) + ".";
        };
    }

    /** An unquoted word: never a brace, a comment, a snippet name, an import, or a trailing comma. */
    private static String word(SplittableRandom rnd) {
        String w;
        do {
            w = randomText(rnd, WORD_CHARS, 1 + rnd.nextInt(10));
        } while (w.equals("import") || w.endsWith(","));
        return w;
    }

    private static String randomText(SplittableRandom rnd, String chars, int length) {
        StringBuilder b = new StringBuilder(length);
        for (int i = 0; i < length; i++) {
            b.append(chars.charAt(rnd.nextInt(chars.length())));
        }
        return b.toString();
    }

    private static void assertTokens(List<Expected> expected, List<Token> actual, String text) {
        List<Expected> got = new ArrayList<>();
        for (Token t : actual) {
            got.add(new Expected(t.text(), t.quoted(), t.line()));
        }
        assertEquals(expected, got, text);
    }

    /** Print the parsed blocks with fresh layout, parse again: same digest, same token texts. */
    private static void roundTrip(List<ServerBlock> parsed, SplittableRandom rnd) throws ConfigException {
        String printed = print(parsed, new Writer(rnd));
        List<ServerBlock> again = Corefile.parse("Corefile", printed, null, Fixtures.NO_ENV);
        assertArrayEquals(Corefile.digest(parsed), Corefile.digest(again), printed);
        assertEquals(texts(parsed), texts(again), printed);
    }

    /** A Corefile printer: keys, then each directive's tokens, breaking lines where the parse had them. */
    static String print(List<ServerBlock> blocks, Writer w) {
        for (ServerBlock block : blocks) {
            for (Token key : block.keys()) {
                w.token(key.text(), key.quoted());
            }
            w.token("{", false);
            w.endLine();
            for (Directive d : block.directives()) {
                w.indent();
                Token previous = null;
                for (Token t : d.tokens()) {
                    if (previous != null && previous.endsLineBefore(t)) {
                        w.endLine();
                        w.indent();
                    }
                    w.token(t.text(), t.quoted());
                    previous = t;
                }
                w.endLine();
            }
            w.token("}", false);
            w.endLine();
        }
        return w.out.toString();
    }

    private static List<String> texts(List<ServerBlock> blocks) {
        List<String> out = new ArrayList<>();
        for (ServerBlock b : blocks) {
            out.add("keys");
            for (Token k : b.keys()) {
                out.add(k.text());
            }
            for (Directive d : b.directives()) {
                out.add("directive");
                for (Token t : d.tokens()) {
                    out.add(t.text());
                }
            }
        }
        return out;
    }
}
