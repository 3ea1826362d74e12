package io.nodedns.config;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.List;
import java.util.function.Function;
import java.util.function.Predicate;

/** Entry points: parse a Corefile into server blocks, and fingerprint the result for reload. */
public final class Corefile {

    private Corefile() {}

    /**
     * Parses Corefile text.
     *
     * @param fileName       the name errors report; relative imports resolve against its directory
     * @param knownDirective decides which directive names are valid (null accepts every name)
     * @param env            looks up {@code {$VAR}} / {@code {%VAR%}} values; null or an absent value
     *                       means "". A null function reads the process environment
     */
    public static List<ServerBlock> parse(String fileName, String text, Predicate<String> knownDirective,
            Function<String, String> env) throws ConfigException {
        return parseWithWarnings(fileName, text, knownDirective, env).blocks();
    }

    /** Like {@link #parse} but also returns warnings, e.g. import globs that matched nothing. */
    public static ParseResult parseWithWarnings(String fileName, String text, Predicate<String> knownDirective,
            Function<String, String> env) throws ConfigException {
        String name = fileName == null ? "" : fileName;
        try {
            return new Parser(name, text, knownDirective, env).parse();
        } catch (RuntimeException e) {
            // a last line of defence: malformed input must surface as a config error, never a crash
            throw new ConfigException(name, 0, "internal error while parsing: " + e);
        }
    }

    /** Reads and parses a Corefile; a missing or unreadable file is reported at line 0. */
    public static List<ServerBlock> parseFile(Path file, Predicate<String> knownDirective,
            Function<String, String> env) throws ConfigException {
        return parseFileWithWarnings(file, knownDirective, env).blocks();
    }

    public static ParseResult parseFileWithWarnings(Path file, Predicate<String> knownDirective,
            Function<String, String> env) throws ConfigException {
        String name = String.valueOf(file);
        String text;
        try {
            text = ImportFiles.read(file);
        } catch (TextInput.NotTextException e) {
            throw new ConfigException(e.file, e.line, "Could not read " + name + ": " + e.getMessage());
        } catch (IOException e) {
            throw new ConfigException(name, 0, "Could not read " + name + ": " + ImportFiles.reason(e));
        } catch (RuntimeException e) {
            throw new ConfigException(name, 0, "Could not read " + name + ": " + e.getMessage());
        }
        return parseWithWarnings(name, text, knownDirective, env);
    }

    /**
     * SHA-512 over the blocks' keys and directive token texts, ignoring file names and line
     * numbers, so edits to comments, indentation or blank lines leave it unchanged. Where a line
     * break separates two tokens of a directive is included, because that changes the meaning
     * (an argument versus a new sub-directive).
     */
    public static byte[] digest(List<ServerBlock> blocks) {
        MessageDigest sha;
        try {
            sha = MessageDigest.getInstance("SHA-512");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every Java platform provides SHA-512", e);
        }
        putInt(sha, blocks.size());
        for (ServerBlock block : blocks) {
            putInt(sha, block.keys().size());
            for (Token key : block.keys()) {
                putText(sha, key.text());
            }
            putInt(sha, block.directives().size());
            for (Directive directive : block.directives()) {
                putInt(sha, directive.tokens().size());
                Token previous = null;
                for (Token token : directive.tokens()) {
                    sha.update((byte) (previous == null || previous.endsLineBefore(token) ? 1 : 0));
                    putText(sha, token.text());
                    previous = token;
                }
            }
        }
        return sha.digest();
    }

    /** Length-prefixed, so ("ab","c") and ("a","bc") hash differently. */
    private static void putText(MessageDigest sha, String text) {
        byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
        putInt(sha, bytes.length);
        sha.update(bytes);
    }

    private static void putInt(MessageDigest sha, int value) {
        sha.update((byte) (value >>> 24));
        sha.update((byte) (value >>> 16));
        sha.update((byte) (value >>> 8));
        sha.update((byte) value);
    }
}
