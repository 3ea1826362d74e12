package io.nodedns.config;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * A cursor over one directive's tokens, modelled on caddy's Dispenser, for plugin setup code.
 * It starts before the first token; call {@link #next()} to land on the directive name.
 *
 * <p>Typical use:
 * <pre>{@code
 * d.next();                          // the directive name
 * List<String> args = d.remainingArgs();
 * while (d.nextBlock()) {            // each line of an optional { ... } block
 *     switch (d.val()) { ... }
 * }
 * }</pre>
 */
public final class Dispenser {

    private final List<Token> tokens;
    private int cursor = -1;
    private int nesting;

    public Dispenser(List<Token> tokens) {
        this.tokens = List.copyOf(tokens);
    }

    /** Advances to the next token wherever it is; false (and no move) at the end. */
    public boolean next() {
        if (cursor < tokens.size() - 1) {
            cursor++;
            return true;
        }
        return false;
    }

    /** Advances only if the next token is on the current line and is not "{". */
    public boolean nextArg() {
        if (cursor + 1 >= tokens.size()) {
            return false;
        }
        Token next = tokens.get(cursor + 1);
        if (next.isOpenBrace() || (cursor >= 0 && current().endsLineBefore(next))) {
            return false;
        }
        cursor++;
        return true;
    }

    /** Advances only if the next token starts a new line. */
    public boolean nextLine() {
        if (cursor + 1 >= tokens.size()) {
            return false;
        }
        if (cursor >= 0 && !current().endsLineBefore(tokens.get(cursor + 1))) {
            return false;
        }
        cursor++;
        return true;
    }

    /**
     * Walks a block. If a "{" ends the current line, enters it and moves to its first token
     * (false for an empty block). Inside a block, moves to the next token and returns true,
     * or returns false at the block's closing "}". Blocks nest: calling this at the end of a
     * sub-directive line that opens its own block enters that block, and its "}" ends only it.
     * A plugin that does not support nested blocks should reject "{" after a sub-directive
     * (see {@link #blockFollows()}); otherwise the caller's loop would walk into it.
     */
    public boolean nextBlock() {
        if (blockFollows()) {
            cursor++; // onto "{"
            if (!next() || current().isCloseBrace()) {
                return false; // "{ }" opened and closed at once
            }
            nesting++;
            return true;
        }
        return nextInBlock(0);
    }

    /**
     * caddy v2's explicit form: {@code for (int n = d.nesting(); d.nextBlock(n); )} walks the block
     * opening at the end of the current line and returns false when back at level {@code n}.
     * Nested "{" ... "}" inside it are returned as tokens and counted, never entered implicitly.
     */
    public boolean nextBlock(int level) {
        if (nesting > level) {
            if (!next()) {
                nesting = level;
                return false;
            }
            if (current().isCloseBrace()) {
                nesting--;
            } else if (current().isOpenBrace()) {
                nesting++;
            }
            return nesting > level;
        }
        if (!blockFollows()) {
            return false;
        }
        cursor++;
        if (!next() || current().isCloseBrace()) {
            return false;
        }
        nesting++;
        return true;
    }

    /** How many blocks the cursor is inside. */
    public int nesting() {
        return nesting;
    }

    /** True if the next token is "{" on the current line, i.e. a block opens here. */
    public boolean blockFollows() {
        if (cursor + 1 >= tokens.size() || !tokens.get(cursor + 1).isOpenBrace()) {
            return false;
        }
        return cursor < 0 || !current().endsLineBefore(tokens.get(cursor + 1));
    }

    private boolean nextInBlock(int level) {
        if (nesting <= level) {
            return false;
        }
        if (!next()) {
            nesting = level; // truncated input: nothing more to read
            return false;
        }
        if (current().isCloseBrace()) {
            nesting--;
            return false;
        }
        if (current().isOpenBrace()) {
            nesting++; // a "{" on a line of its own: count it so its "}" does not end our block
        }
        return true;
    }

    /** The current token's text, or "" before the first token. */
    public String val() {
        return cursor < 0 ? "" : current().text();
    }

    /** The current token, or the first one if the cursor has not moved yet. */
    public Token token() {
        if (tokens.isEmpty()) {
            return new Token("", "", 0, false);
        }
        return tokens.get(Math.max(cursor, 0));
    }

    public String file() {
        return token().file();
    }

    public int line() {
        return token().line();
    }

    /** All tokens, name first. */
    public List<Token> tokens() {
        return tokens;
    }

    /** Consumes and returns the arguments left on the current line, stopping before a "{". */
    public List<String> remainingArgs() {
        List<String> args = new ArrayList<>();
        while (nextArg()) {
            args.add(val());
        }
        return args;
    }

    /** Like {@link #remainingArgs()} but keeps the tokens, for errors that point at an argument. */
    public List<Token> remainingArgTokens() {
        List<Token> args = new ArrayList<>();
        while (nextArg()) {
            args.add(token());
        }
        return args;
    }

    /**
     * The arguments left on the line as zones ({@link Zones#normalize}: a CIDR gives its reverse
     * zones), or {@code otherwise} when there are none (the block's zones, or the root).
     */
    public List<String> zoneArgs(List<String> otherwise) throws ConfigException {
        List<String> zones = new ArrayList<>();
        for (Token t : remainingArgTokens()) {
            zones.addAll(Zones.normalize(t));
        }
        return List.copyOf(zones.isEmpty() ? otherwise : zones);
    }

    /** The next argument on this line, or an argument-count error. */
    public String requireArg() throws ConfigException {
        if (!nextArg()) {
            throw argErr();
        }
        return val();
    }

    /** Fails with an argument-count error if another argument follows on this line. */
    public void requireNoMoreArgs() throws ConfigException {
        if (nextArg()) {
            throw argErr();
        }
    }

    /**
     * The arguments left on this line, at least one (CoreDNS's {@code RemainingArgs} and
     * {@code if len(args) == 0 { return c.ArgErr() }}).
     */
    public List<String> requireArgs() throws ConfigException {
        List<String> args = remainingArgs();
        if (args.isEmpty()) {
            throw argErr();
        }
        return args;
    }

    /** Like {@link #requireArgs()} but keeps the tokens, for errors that point at an argument. */
    public List<Token> requireArgTokens() throws ConfigException {
        List<Token> args = remainingArgTokens();
        if (args.isEmpty()) {
            throw argErr();
        }
        return args;
    }

    /**
     * For a block option that is a bare flag ({@code force_tcp}, {@code stacktrace}): true, or an
     * argument-count error if an argument follows (CoreDNS's {@code if c.NextArg() { return c.ArgErr() }}).
     */
    public boolean flag() throws ConfigException {
        requireNoMoreArgs();
        return true;
    }

    /** For a directive that takes nothing: fails on an argument or a block after its name. */
    public void requireBare() throws ConfigException {
        if (nextArg() || nextBlock()) {
            throw argErr();
        }
    }

    /** Reads the next argument as an int within [min, max]. */
    public int intArg(int min, int max) throws ConfigException {
        requireArg();
        return intVal(min, max);
    }

    /** The current token as an int within [min, max] (Go Atoi syntax: optional sign, digits). */
    public int intVal(int min, int max) throws ConfigException {
        String v = val();
        Long parsed = atoi(v);
        if (parsed == null) {
            throw pluginErr("invalid integer '" + v + "'");
        }
        if (parsed < min || parsed > max) {
            throw pluginErr("'" + v + "' is out of range [" + min + ", " + max + "]");
        }
        return (int) (long) parsed;
    }

    /**
     * A token as Go's {@code strconv.Atoi} reads it (optional sign, decimal digits, 64 bits), failing
     * with Go's error text, which CoreDNS's setups pass on: {@code plugin/NAME: strconv.Atoi: parsing
     * "x": invalid syntax}.
     */
    public long atoi(Token t) throws ConfigException {
        Long v = atoi(t.text());
        if (v == null) {
            String why = t.text().matches("[+-]?[0-9]+") ? "value out of range" : "invalid syntax";
            throw pluginErr(t, "strconv.Atoi: parsing \"" + t.text() + "\": " + why);
        }
        return v;
    }

    /** Go's strconv.Atoi syntax (optional sign, digits) within 64 bits, or null. */
    public static Long atoi(String s) {
        if (!s.matches("[+-]?[0-9]+")) {
            return null;
        }
        try {
            return Long.parseLong(s.startsWith("+") ? s.substring(1) : s);
        } catch (NumberFormatException e) {
            return null;
        }
    }

    /**
     * The next argument as Go's {@code strconv.ParseUint(v, 10, 32)} with its error text, capped at
     * {@code Integer.MAX_VALUE}; it must end the line.
     */
    public int uint32Arg() throws ConfigException {
        String v = requireArg();
        if (!v.matches("[0-9]+")) {
            throw pluginErr("strconv.ParseUint: parsing \"" + v + "\": invalid syntax");
        }
        if (v.length() > 10 || Long.parseLong(v) > 0xFFFF_FFFFL) {
            throw pluginErr("strconv.ParseUint: parsing \"" + v + "\": value out of range");
        }
        requireNoMoreArgs();
        return (int) Math.min(Integer.MAX_VALUE, Long.parseLong(v));
    }

    /** Reads the next argument as a Go duration ("1.5s", "300ms", "1h2m"). */
    public Duration durationArg() throws ConfigException {
        requireArg();
        return durationVal();
    }

    /** The current token as a Go duration; a bare number is an error ({@code plugin/NAME: } and Go's text). */
    public Duration durationVal() throws ConfigException {
        return duration(token(), "");
    }

    /** A token as a Go duration; errors read {@code plugin/NAME: WHAT} and Go's text. */
    public Duration duration(Token t, String what) throws ConfigException {
        try {
            return GoDuration.parse(t.text());
        } catch (IllegalArgumentException e) {
            throw pluginErr(t, what + e.getMessage());
        }
    }

    /**
     * The next argument as a Go duration that is not negative ({@code plugin/NAME: WHAT can't be
     * negative: D}, CoreDNS's text); it must end the line.
     */
    public Duration nonNegativeDurationArg(String what) throws ConfigException {
        requireArg();
        Duration d = nonNegativeDurationVal(what);
        requireNoMoreArgs();
        return d;
    }

    /** The current token as a Go duration that is not negative; see {@link #nonNegativeDurationArg}. */
    public Duration nonNegativeDurationVal(String what) throws ConfigException {
        Duration d = durationVal();
        if (d.isNegative()) {
            throw pluginErr(what + " can't be negative: " + GoDuration.format(d));
        }
        return d;
    }

    /** Like {@link #durationVal()} but a bare integer means seconds, as some plugins accept. */
    public Duration durationValLenient() throws ConfigException {
        String v = val();
        if (v.matches("[0-9]{1,12}")) {
            return Duration.ofSeconds(Long.parseLong(v));
        }
        return durationVal();
    }

    /** Reads the next argument leniently as a duration; see {@link #durationValLenient()}. */
    public Duration durationArgLenient() throws ConfigException {
        requireArg();
        return durationValLenient();
    }

    public ConfigException argErr() {
        if (val().equals("{")) {
            return err("Unexpected token '{', expecting argument");
        }
        return err("Wrong argument count or unexpected line ending after '" + val() + "'");
    }

    /** An error at the current token's file and line. */
    public ConfigException err(String message) {
        return new ConfigException(token(), message);
    }

    /** The directive's name, which its setup's errors carry as {@code plugin/NAME: } (CoreDNS's plugin.Error). */
    public String plugin() {
        return tokens.isEmpty() ? "" : tokens.getFirst().text();
    }

    /** {@code plugin/NAME: MESSAGE} at the current token: the one place a setup error gets its prefix. */
    public ConfigException pluginErr(String message) {
        return pluginErr(token(), message);
    }

    /** {@code plugin/NAME: MESSAGE} at {@code at}. */
    public ConfigException pluginErr(Token at, String message) {
        return ConfigException.plugin(plugin(), at, message);
    }

    /** A setup's answer to a block line it does not know, at the current token: {@code unknown property 'NAME'}. */
    public ConfigException unknownProperty() {
        return unknownProperty(token());
    }

    /** {@code unknown property 'NAME'} for the line opened by {@code at}, once its arguments have been read. */
    public ConfigException unknownProperty(Token at) {
        return pluginErr(at, "unknown property '" + at.text() + "'");
    }

    public ConfigException syntaxErr(String expected) {
        return err("Syntax error: Unexpected token '" + val() + "', expecting '" + expected + "'");
    }

    public ConfigException eofErr() {
        return err("Unexpected EOF");
    }

    private Token current() {
        return tokens.get(cursor);
    }
}
