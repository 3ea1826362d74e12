package io.nodedns.plugin.rewrite;

import io.nodedns.config.ConfigException;
import io.nodedns.config.Directive;
import io.nodedns.config.Dispenser;
import io.nodedns.config.Token;
import io.nodedns.server.PluginSetup;
import io.nodedns.server.SetupContext;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Parses {@code rewrite [continue|stop] FIELD ...} and the block form {@code rewrite [continue|stop]
 * { ... }}, whose tokens are joined into one rule as in CoreDNS. Each directive is one rule; all
 * rules of a block form one handler, in Corefile order.
 */
public final class RewriteSetup implements PluginSetup {
    @Override
    public void setup(SetupContext ctx) throws ConfigException {
        List<Rule> rules = new ArrayList<>();
        for (Directive d : ctx.occurrences()) {
            Dispenser dispenser = d.dispenser();
            dispenser.next();
            List<Token> args = dispenser.remainingArgTokens();
            if (args.size() < 2) {
                while (dispenser.nextBlock()) {
                    args.add(dispenser.token());
                }
            }
            rules.add(rule(d.nameToken(), args));
        }
        ctx.addHandler(new RewriteHandler(rules));
    }

    static Rule rule(Token at, List<Token> tokens) throws ConfigException {
        Args a = new Args(at, tokens);
        if (a.size() == 0) {
            throw a.err(at, "no rule type specified for rewrite");
        }
        boolean stop = true;
        String first = a.lower(0);
        int start = 0;
        if (first.equals("continue") || first.equals("stop")) {
            stop = first.equals("stop");
            if (a.size() < 2) {
                throw a.err(a.token(0), first + " rule must begin with a rule type");
            }
            start = 1;
        }
        String type = a.lower(start);
        Args rest = a.from(start + 1);
        try {
            return switch (type) {
                case "answer" -> throw a.err(a.token(start), "response rewrites must begin with a name rule");
                case "name" -> NameRules.parse(stop, rest);
                case "type", "class" -> questionRule(stop, type, rest);
                case "ttl", "rcode" -> MatchRules.parse(stop, type, rest);
                case "edns0" -> Edns0Rules.parse(stop, rest);
                case "cname" -> CnameRule.parse(stop, rest);
                default -> throw a.err(a.token(start), "invalid rule type \"" + a.text(start) + "\"");
            };
        } catch (IllegalArgumentException e) {
            throw a.err(a.token(start), e.getMessage());
        }
    }

    private static Rule questionRule(boolean stop, String field, Args a) throws ConfigException {
        if (a.size() != 2) {
            throw a.err(a.last(), field + " rules must have exactly two arguments");
        }
        boolean type = field.equals("type");
        int from = type
                ? org.xbill.DNS.Type.value(a.text(0).toUpperCase(Locale.ROOT))
                : org.xbill.DNS.DClass.value(a.text(0).toUpperCase(Locale.ROOT));
        int to = type
                ? org.xbill.DNS.Type.value(a.text(1).toUpperCase(Locale.ROOT))
                : org.xbill.DNS.DClass.value(a.text(1).toUpperCase(Locale.ROOT));
        if (from <= 0) {
            throw a.err(a.token(0), "invalid " + field + " \"" + a.text(0).toUpperCase(Locale.ROOT) + "\"");
        }
        if (to <= 0) {
            throw a.err(a.token(1), "invalid " + field + " \"" + a.text(1).toUpperCase(Locale.ROOT) + "\"");
        }
        return new QuestionRule(stop, type ? QuestionRule.TYPE : QuestionRule.CLASS, from, to);
    }

    /** A rule's argument tokens, for positions in errors. */
    record Args(Token at, List<Token> tokens) {
        int size() {
            return tokens.size();
        }

        String text(int i) {
            return tokens.get(i).text();
        }

        String lower(int i) {
            return text(i).toLowerCase(Locale.ROOT);
        }

        Token token(int i) {
            return i < tokens.size() ? tokens.get(i) : last();
        }

        Token last() {
            return tokens.isEmpty() ? at : tokens.getLast();
        }

        Args from(int i) {
            return new Args(last(), tokens.subList(Math.min(i, tokens.size()), tokens.size()));
        }

        ConfigException err(Token where, String message) {
            return ConfigException.plugin("rewrite", where, message);
        }
    }
}
