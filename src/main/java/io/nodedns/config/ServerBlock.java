package io.nodedns.config;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/** One server block: its keys and its directives in order of appearance. */
public final class ServerBlock {

    private final List<Token> keys;
    private final List<Directive> directives;

    ServerBlock(List<Token> keys, List<Directive> directives) {
        if (keys.isEmpty()) {
            throw new IllegalArgumentException("a server block has at least one key");
        }
        this.keys = List.copyOf(keys);
        this.directives = List.copyOf(directives);
    }

    /** Builds a block directly; meant for tests and synthetic configs. */
    public static ServerBlock of(List<Token> keys, List<Directive> directives) {
        return new ServerBlock(keys, directives);
    }

    /** The keys after env substitution, with trailing commas removed and empty keys dropped. */
    public List<Token> keys() {
        return keys;
    }

    public List<Directive> directives() {
        return directives;
    }

    /** Every occurrence of one directive, in order of appearance. */
    public List<Directive> directives(String name) {
        List<Directive> found = new ArrayList<>();
        for (Directive d : directives) {
            if (d.name().equals(name)) {
                found.add(d);
            }
        }
        return found;
    }

    /** The directive names used, in order of first appearance. */
    public Set<String> directiveNames() {
        Set<String> names = new LinkedHashSet<>();
        for (Directive d : directives) {
            names.add(d.name());
        }
        return Collections.unmodifiableSet(names);
    }

    /** All tokens of one directive name concatenated, as caddy's {@code Tokens[name]} holds them. */
    public List<Token> tokens(String name) {
        List<Token> all = new ArrayList<>();
        for (Directive d : directives(name)) {
            all.addAll(d.tokens());
        }
        return all;
    }

    /** The block's first key, for error messages about the block as a whole. */
    public Token firstToken() {
        return keys.get(0);
    }

    @Override
    public String toString() {
        StringBuilder out = new StringBuilder();
        for (Token key : keys) {
            out.append(key.text()).append(' ');
        }
        out.append('{');
        for (Directive d : directives) {
            out.append("\n  ").append(d);
        }
        return out.append("\n}").toString();
    }
}
