package io.nodedns.plugin.log;

import io.nodedns.config.ConfigException;
import io.nodedns.config.Dispenser;
import io.nodedns.config.Token;
import io.nodedns.config.Zones;
import io.nodedns.server.PluginSetup;
import io.nodedns.server.SetupContext;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Locale;

/**
 * {@code log}, {@code log NAME}, {@code log NAMES... FORMAT}, each with an optional
 * {@code { class success|denial|error|all... }}; several log lines add rules (CoreDNS plugin/log).
 */
public final class LogSetup implements PluginSetup {
    @Override
    public void setup(SetupContext ctx) throws ConfigException {
        ctx.addHandler(new LogHandler(ctx.parseEach(LogConfig.NONE, LogSetup::parse).rules()));
    }

    /** Adds one line's rule (the dispenser stands before the name). */
    static LogConfig parse(Dispenser d, LogConfig previous) throws ConfigException {
        d.next();
        List<Token> args = d.remainingArgTokens();
        String format = LogFormat.COMMON;
        if (args.size() >= 2 && args.getLast().text().contains("{")) {
            format = args.getLast().text();
            args = args.subList(0, args.size() - 1);
        }
        List<String> zones = new ArrayList<>();
        for (Token t : args) {
            zones.addAll(Zones.normalize(t));
        }
        if (zones.isEmpty()) {
            zones.add(".");
        }
        EnumSet<ResponseClass> classes = EnumSet.noneOf(ResponseClass.class);
        while (d.nextBlock()) {
            if (!d.val().equals("class")) {
                throw d.unknownProperty();
            }
            for (Token t : d.requireArgTokens()) {
                switch (t.text().toLowerCase(Locale.ROOT)) {
                    case "all" -> classes.addAll(EnumSet.allOf(ResponseClass.class));
                    case "success" -> classes.add(ResponseClass.SUCCESS);
                    case "denial" -> classes.add(ResponseClass.DENIAL);
                    case "error" -> classes.add(ResponseClass.ERROR);
                    default -> throw d.pluginErr(t, "invalid class '" + t.text() + "'");
                }
            }
        }
        if (classes.isEmpty()) {
            classes = EnumSet.allOf(ResponseClass.class);
        }
        return previous.with(new LogRule(zones, new LogFormat(format), classes));
    }
}
