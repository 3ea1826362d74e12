package io.nodedns.plugin.rewrite;

import io.nodedns.server.ScratchPool;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * How a rule matches the lower-case qname text: exact, prefix, suffix, substring or regex
 * (docs/plugins/rewrite.md). Non-regex patterns are normalized like CoreDNS's {@code plugin.Name.Normalize}: lower
 * case, fully qualified. Regex matchers are borrowed from a pool so matching allocates nothing.
 */
final class NameMatch {
    enum Kind {
        EXACT, PREFIX, SUFFIX, SUBSTRING, REGEX
    }

    static final int MAX_REGEX = 10000;

    final Kind kind;
    final char[] pattern;
    final Pattern regex;
    private final ScratchPool<Matcher> matchers;

    private NameMatch(Kind kind, String pattern, Pattern regex) {
        this.kind = kind;
        this.pattern = pattern.toCharArray();
        this.regex = regex;
        this.matchers = regex == null ? null : new ScratchPool<>(() -> regex.matcher(""));
    }

    /** Parses a match type keyword, or null if {@code word} is not one. */
    static Kind kind(String word) {
        return switch (word.toLowerCase(Locale.ROOT)) {
            case "exact" -> Kind.EXACT;
            case "prefix" -> Kind.PREFIX;
            case "suffix" -> Kind.SUFFIX;
            case "substring" -> Kind.SUBSTRING;
            case "regex" -> Kind.REGEX;
            default -> null;
        };
    }

    /** @throws IllegalArgumentException with the reason if a regex does not compile or is too long */
    static NameMatch of(Kind kind, String pattern) {
        if (kind == Kind.REGEX) {
            return new NameMatch(kind, pattern, compile(pattern));
        }
        return new NameMatch(kind, normalize(pattern), null);
    }

    /** A prefix, suffix or substring pattern taken in lower case as written (no final dot added). */
    static NameMatch literal(Kind kind, String pattern) {
        return new NameMatch(kind, pattern.toLowerCase(Locale.ROOT), null);
    }

    static Pattern compile(String pattern) {
        if (pattern.length() > MAX_REGEX) {
            throw new IllegalArgumentException("regex pattern too long: " + pattern.length() + " > " + MAX_REGEX);
        }
        try {
            return Pattern.compile(pattern);
        } catch (java.util.regex.PatternSyntaxException e) {
            throw new IllegalArgumentException("invalid regex matching pattern: " + pattern);
        }
    }

    /** CoreDNS's Name.Normalize: lower case and a trailing dot. */
    static String normalize(String name) {
        String lower = name.toLowerCase(Locale.ROOT);
        return lower.endsWith(".") ? lower : lower + ".";
    }

    boolean matches(Text name) {
        return switch (kind) {
            case EXACT -> name.equalTo(pattern);
            case PREFIX -> name.startsWith(pattern);
            case SUFFIX -> name.endsWith(pattern);
            case SUBSTRING -> name.indexOf(pattern, 0) >= 0;
            case REGEX -> found(name);
        };
    }

    private boolean found(CharSequence name) {
        Matcher m = borrow(name);
        boolean found = m.find();
        giveBack(m);
        return found;
    }

    /** A free matcher reset onto {@code name}; call find() on it, then {@link #giveBack} it. */
    Matcher borrow(CharSequence name) {
        return matchers.borrow().reset(name);
    }

    void giveBack(Matcher m) {
        matchers.giveBack(m.reset(""));
    }
}
