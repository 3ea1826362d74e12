package io.nodedns.config;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

/**
 * Finds and reads the files an {@code import PATTERN} names (caddy's caddyfile parser). Globs follow Go's
 * filepath.Glob with caddy's limits: at most one '*', at most one '?', no '[...]' class.
 */
final class ImportFiles {

    /** No sane Corefile comes near this; it keeps a stray huge file from exhausting memory. */
    static final long MAX_FILE_BYTES = 16L * 1024 * 1024;

    /** The files matched, sorted as Go sorts them, and whether the pattern was a glob. */
    record Matches(List<Path> files, boolean glob) {
    }

    private ImportFiles() {}

    static Matches resolve(Token importedBy, Token patternToken, String pattern) throws ConfigException {
        Path full;
        try {
            Path p = Path.of(pattern);
            full = (p.isAbsolute() ? p : directoryOf(importedBy.file()).resolve(p)).normalize();
        } catch (InvalidPathException e) {
            throw new ConfigException(patternToken, "Failed to use import pattern " + pattern + ": " + e.getReason());
        }
        String path = full.toString();
        if (count(path, '*') > 1 || count(path, '?') > 1 || (path.indexOf('[') >= 0 && path.indexOf(']') >= 0)) {
            // a pattern with many wildcards can take very long to expand (caddy issue #2096)
            throw new ConfigException(patternToken,
                    "Glob pattern may only contain one wildcard (*), one '?' and no '[...]', but has others: " + path);
        }
        if (path.indexOf('[') >= 0) {
            throw new ConfigException(patternToken,
                    "Failed to use import pattern " + pattern + ": syntax error in pattern");
        }
        if (!hasWildcard(path)) {
            boolean exists = Files.exists(full, LinkOption.NOFOLLOW_LINKS);
            return new Matches(exists ? List.of(full) : List.of(), false);
        }
        return new Matches(glob(full), true);
    }

    /** The directory relative imports in {@code file} are resolved against. */
    static Path directoryOf(String file) {
        try {
            Path parent = Path.of(file).toAbsolutePath().getParent();
            return parent != null ? parent : Path.of("").toAbsolutePath();
        } catch (InvalidPathException e) {
            return Path.of("").toAbsolutePath();
        }
    }

    /** A stable identity for cycle detection: symlinks resolved where the file exists. */
    static String identity(Path file) {
        try {
            return file.toRealPath().toString();
        } catch (IOException | RuntimeException e) {
            return file.toAbsolutePath().normalize().toString();
        }
    }

    static String identity(String fileName) {
        try {
            return identity(Path.of(fileName));
        } catch (InvalidPathException e) {
            return fileName;
        }
    }

    /**
     * Reads a Corefile as UTF-8; malformed bytes become U+FFFD, as Go's rune reader does. The size
     * is checked while reading, not from the file's metadata, so {@code /dev/zero} or a FIFO is
     * stopped at the limit (or at its first NUL byte) instead of filling the heap.
     *
     * @throws TextInput.NotTextException with the line, if the file holds a NUL byte or is too large
     * @throws IOException with a short reason if the file is missing or a directory
     */
    static String read(Path file) throws IOException {
        if (Files.isDirectory(file)) {
            throw new IOException("is a directory");
        }
        if (Files.isRegularFile(file) && Files.size(file) > MAX_FILE_BYTES) {
            throw new IOException("file is larger than " + MAX_FILE_BYTES + " bytes");
        }
        try (InputStream in = new TextInput(Files.newInputStream(file), String.valueOf(file), MAX_FILE_BYTES, false)) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (NoSuchFileException e) {
            throw new IOException("no such file or directory", e);
        }
    }

    /** A short reason for an I/O failure, without Java exception class names. */
    static String reason(IOException e) {
        if (e instanceof NoSuchFileException) {
            return "no such file or directory";
        }
        if (e instanceof java.nio.file.AccessDeniedException) {
            return "permission denied";
        }
        String m = e.getMessage();
        return m == null || m.isBlank() ? e.getClass().getSimpleName() : m;
    }

    private static List<Path> glob(Path pattern) {
        Path root = pattern.getRoot();
        List<Path> candidates = new ArrayList<>();
        candidates.add(root != null ? root : Path.of(""));
        for (Path component : pattern) {
            String name = component.toString();
            List<Path> next = new ArrayList<>();
            for (Path dir : candidates) {
                if (hasWildcard(name)) {
                    next.addAll(matchingEntries(dir, name));
                } else {
                    Path literal = dir.resolve(name);
                    if (Files.exists(literal, LinkOption.NOFOLLOW_LINKS)) {
                        next.add(literal);
                    }
                }
            }
            candidates = next;
            if (candidates.isEmpty()) {
                break;
            }
        }
        return candidates;
    }

    private static List<Path> matchingEntries(Path dir, String namePattern) {
        List<Path> found = new ArrayList<>();
        if (!Files.isDirectory(dir)) {
            return found;
        }
        Pattern regex = componentRegex(namePattern);
        try (DirectoryStream<Path> entries = Files.newDirectoryStream(dir)) {
            for (Path entry : entries) {
                Path fileName = entry.getFileName();
                if (fileName != null && regex.matcher(fileName.toString()).matches()) {
                    found.add(entry);
                }
            }
        } catch (IOException | RuntimeException e) {
            return found; // like Go's Glob, unreadable directories simply match nothing
        }
        found.sort((a, b) -> a.getFileName().toString().compareTo(b.getFileName().toString()));
        return found;
    }

    private static Pattern componentRegex(String namePattern) {
        StringBuilder regex = new StringBuilder();
        StringBuilder literal = new StringBuilder();
        namePattern.codePoints().forEach(cp -> {
            if (cp == '*' || cp == '?') {
                if (!literal.isEmpty()) {
                    regex.append(Pattern.quote(literal.toString()));
                    literal.setLength(0);
                }
                regex.append(cp == '*' ? ".*" : ".");
            } else {
                literal.appendCodePoint(cp);
            }
        });
        if (!literal.isEmpty()) {
            regex.append(Pattern.quote(literal.toString()));
        }
        return Pattern.compile(regex.toString(), Pattern.DOTALL);
    }

    private static boolean hasWildcard(String s) {
        return s.indexOf('*') >= 0 || s.indexOf('?') >= 0;
    }

    private static int count(String s, char c) {
        int n = 0;
        for (int i = 0; i < s.length(); i++) {
            if (s.charAt(i) == c) {
                n++;
            }
        }
        return n;
    }
}
