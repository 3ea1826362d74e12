package io.nodedns.config;

import java.util.ArrayList;
import java.util.List;

/**
 * One occurrence of a directive in a server block: its name token, the arguments on its line
 * and, if the line opened one, the nested {@code { ... }} block including both braces.
 */
public final class Directive {

    private final List<Token> tokens;

    Directive(List<Token> tokens) {
        if (tokens.isEmpty()) {
            throw new IllegalArgumentException("a directive has at least its name token");
        }
        this.tokens = List.copyOf(tokens);
    }

    /** Builds a directive from tokens, name first; meant for tests and synthetic configs. */
    public static Directive of(List<Token> tokens) {
        return new Directive(tokens);
    }

    public String name() {
        return tokens.get(0).text();
    }

    public Token nameToken() {
        return tokens.get(0);
    }

    /** Name token first, then arguments, then any nested block's tokens including braces. */
    public List<Token> tokens() {
        return tokens;
    }

    /** The arguments on the directive's own line, stopping at a '{'. */
    public List<String> args() {
        List<String> args = new ArrayList<>();
        Token previous = tokens.get(0);
        for (int i = 1; i < tokens.size(); i++) {
            Token token = tokens.get(i);
            if (previous.endsLineBefore(token) || token.isOpenBrace()) {
                break;
            }
            args.add(token.text());
            previous = token;
        }
        return args;
    }

    /** {@code plugin/NAME: MESSAGE} at {@code at}, for checks after parsing. */
    public ConfigException pluginErr(Token at, String message) {
        return ConfigException.plugin(name(), at, message);
    }

    /** A fresh cursor positioned before the name token: call {@code next()} to reach it. */
    public Dispenser dispenser() {
        return new Dispenser(tokens);
    }

    @Override
    public String toString() {
        StringBuilder out = new StringBuilder();
        for (Token token : tokens) {
            if (!out.isEmpty()) {
                out.append(' ');
            }
            out.append(token.text());
        }
        return out.toString();
    }
}
