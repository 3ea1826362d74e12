package io.nodedns.plugin.template;

import io.nodedns.config.ConfigException;
import io.nodedns.config.Directive;
import io.nodedns.config.Dispenser;
import io.nodedns.config.Fallthrough;
import io.nodedns.config.Token;
import io.nodedns.config.Zones;
import io.nodedns.server.PluginSetup;
import io.nodedns.server.SetupContext;
import io.nodedns.wire.DnsHeader;
import io.nodedns.wire.Records;
import io.nodedns.wire.ZoneSet;
import java.util.ArrayList;
import java.util.List;

/**
 * {@code template CLASS TYPE [ZONE...] { match REGEX...; answer RR; additional RR; authority RR;
 * rcode CODE; ederror CODE [REASON]; fallthrough [ZONE...] }}, any number per block, tried in
 * Corefile order (docs/plugins/template.md). Regexes and templates are compiled here, so a
 * construct nodedns cannot run as CoreDNS would is an error at its line, never a wrong answer.
 */
public final class TemplateSetup implements PluginSetup {
    @Override
    public void setup(SetupContext ctx) throws ConfigException {
        List<TemplateRule> rules = new ArrayList<>();
        List<String> allZones = new ArrayList<>();
        boolean anyClass = false;
        for (Directive directive : ctx.occurrences()) {
            TemplateRule rule = parse(directive.dispenser(), ctx.zones());
            rules.add(rule);
            allZones.addAll(rule.zones());
            anyClass |= rule.qclass() != Records.CLASS_IN;
        }
        if (anyClass) {
            ctx.allowAnyClass(); // CH or ANY templates must see non-IN queries, which the server refuses otherwise
        }
        TemplateHandler handler = new TemplateHandler(rules, allZones);
        ctx.addHandler(handler);
        ctx.addMetrics(handler.metrics);
    }

    /** Parses one occurrence; the dispenser stands before the directive name. */
    static TemplateRule parse(Dispenser d, List<String> blockZones) throws ConfigException {
        d.next();
        if (!d.nextArg()) {
            throw err(d, d.argErr());
        }
        int qclass = GoDnsText.classNumber(d.val());
        if (qclass < 0) {
            throw d.pluginErr("invalid query class " + d.val());
        }
        if (!d.nextArg()) {
            throw err(d, d.argErr());
        }
        int qtype = GoDnsText.typeNumber(d.val());
        if (qtype < 0) {
            throw d.pluginErr("invalid RR type " + d.val());
        }
        List<String> zones = new ArrayList<>();
        for (Token zone : d.remainingArgTokens()) {
            zones.addAll(Zones.normalize(zone));
        }
        if (zones.isEmpty()) {
            zones.addAll(blockZones);
        }
        List<GoRegex> regexes = new ArrayList<>();
        List<GoTemplate> answer = new ArrayList<>();
        List<GoTemplate> additional = new ArrayList<>();
        List<GoTemplate> authority = new ArrayList<>();
        int rcode = 0;
        int edeCode = TemplateRule.NO_EDE;
        String edeReason = null;
        Fallthrough fallthrough = Fallthrough.NEVER;
        while (d.nextBlock()) {
            String property = d.val();
            switch (property) {
                case "match" -> {
                    for (Token arg : args(d)) {
                        try {
                            regexes.add(GoRegex.compile(arg.text()));
                        } catch (IllegalArgumentException e) {
                            throw d.pluginErr(arg, "could not parse regex: " + arg.text() + ", "
                                    + e.getMessage());
                        }
                    }
                }
                case "answer" -> templates(d, answer);
                case "additional" -> templates(d, additional);
                case "authority" -> templates(d, authority);
                case "rcode" -> {
                    // one argument, as CoreDNS reads it: "template ANY AAAA { rcode NXDOMAIN }" on one line
                    // closes its block, and anything else after the code is an unknown property
                    if (!d.nextArg()) {
                        throw err(d, d.argErr());
                    }
                    String name = d.val();
                    int code = DnsHeader.rcodeByName(name); // exact case, as CoreDNS's template reads it
                    if (code < 0) {
                        throw d.pluginErr("unknown rcode " + name);
                    }
                    if (code > DnsHeader.RCODE_MASK) {
                        // an extended rcode needs an OPT, which CoreDNS's template never adds
                        throw d.pluginErr("rcode " + name + " is an extended rcode (it needs EDNS), which"
                                + " nodedns's template does not answer with");
                    }
                    rcode = code;
                }
                case "ederror" -> {
                    List<Token> args = args(d);
                    if (args.size() > 2) {
                        throw err(d, d.argErr());
                    }
                    try {
                        String code = args.getFirst().text();
                        if (!code.matches("\\+?[0-9]+")) {
                            throw new NumberFormatException();
                        }
                        edeCode = Integer.parseInt(code.startsWith("+") ? code.substring(1) : code);
                        if (edeCode > 0xFFFF) {
                            throw new NumberFormatException();
                        }
                    } catch (NumberFormatException e) {
                        throw d.pluginErr("error parsing extended DNS error code " + args.getFirst().text());
                    }
                    edeReason = args.size() == 2 ? args.get(1).text() : null;
                }
                case "fallthrough" -> fallthrough = Fallthrough.parse(d);
                case "upstream" -> throw d.pluginErr("upstream is not supported: nodedns does not yet resolve"
                        + " the targets of templated CNAMEs (docs/plugins/template.md)");
                case "var", "expr" -> throw d.pluginErr(property + " is not supported in nodedns"
                        + " (CoreDNS evaluates expr-lang expressions there; docs/plugins/template.md)");
                default -> throw d.unknownProperty();
            }
        }
        return new TemplateRule(List.copyOf(zones), ZoneSet.of(zones), qclass, qtype, List.copyOf(regexes),
                List.copyOf(answer),
                List.copyOf(additional), List.copyOf(authority), rcode, edeCode, edeReason, fallthrough);
    }

    /** At least one argument, as tokens (for errors at their line). */
    private static List<Token> args(Dispenser d) throws ConfigException {
        List<Token> args = d.remainingArgTokens();
        if (args.isEmpty()) {
            throw err(d, d.argErr());
        }
        return args;
    }

    private static void templates(Dispenser d, List<GoTemplate> into) throws ConfigException {
        String section = d.val();
        for (Token arg : args(d)) {
            try {
                into.add(GoTemplate.parse(arg.text()));
            } catch (IllegalArgumentException e) {
                throw d.pluginErr(arg, "could not compile " + section + " template \""
                        + arg.text() + "\": " + e.getMessage());
            }
        }
    }

    private static ConfigException err(Dispenser d, ConfigException e) {
        return d.pluginErr(e.detail());
    }
}
