package io.nodedns.plugin.log;

import io.nodedns.config.ConfigException;
import io.nodedns.config.Directive;
import io.nodedns.config.Dispenser;
import io.nodedns.config.Zones;
import io.nodedns.server.PluginSetup;
import io.nodedns.server.SetupContext;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;

/**
 * {@code log}, {@code log NAME}, {@code log NAMES... FORMAT}, each with an optional
 * {@code { class success|denial|error|all... }}; several log lines add rules (CoreDNS plugin/log).
 */
public final class LogSetup implements PluginSetup {
    @Override
    public void setup(SetupContext ctx) throws ConfigException {
        List<LogRule> rules = new ArrayList<>();
        for (Directive directive : ctx.occurrences()) {
            rules.add(parseRule(directive.dispenser()));
        }
        ctx.addHandler(new LogHandler(rules));
    }

    static LogRule parseRule(Dispenser d) throws ConfigException {
        d.next();
        List<io.nodedns.config.Token> args = new ArrayList<>();
        while (d.nextArg()) {
            args.add(d.token());
        }
        String format = LogFormat.COMMON;
        List<String> zones = new ArrayList<>();
        if (args.size() >= 2 && args.getLast().text().contains("{")) {
            format = args.getLast().text();
            args = args.subList(0, args.size() - 1);
        }
        for (io.nodedns.config.Token t : args) {
            zones.addAll(Zones.normalize(t));
        }
        if (zones.isEmpty()) {
            zones.add(".");
        }
        EnumSet<ResponseClass> classes = EnumSet.noneOf(ResponseClass.class);
        while (d.nextBlock()) {
            if (!d.val().equals("class")) {
                throw d.pluginErr("unknown property '" + d.val() + "'");
            }
            boolean any = false;
            while (d.nextArg()) {
                any = true;
                switch (d.val().toLowerCase(java.util.Locale.ROOT)) {
                    case "all" -> classes.addAll(EnumSet.allOf(ResponseClass.class));
                    case "success" -> classes.add(ResponseClass.SUCCESS);
                    case "denial" -> classes.add(ResponseClass.DENIAL);
                    case "error" -> classes.add(ResponseClass.ERROR);
                    default -> throw d.pluginErr("invalid class '" + d.val() + "'");
                }
            }
            if (!any) {
                throw d.argErr();
            }
        }
        if (classes.isEmpty()) {
            classes = EnumSet.allOf(ResponseClass.class);
        }
        return new LogRule(zones, new LogFormat(format), classes);
    }
}
