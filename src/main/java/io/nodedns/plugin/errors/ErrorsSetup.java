package io.nodedns.plugin.errors;

import io.nodedns.config.ConfigException;
import io.nodedns.config.Dispenser;
import io.nodedns.config.Token;
import io.nodedns.server.PluginSetup;
import io.nodedns.server.SetupContext;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/** {@code errors [{ stacktrace; consolidate DURATION REGEXP [warning|error|info|debug] [show_first] }]}, once per block. */
public final class ErrorsSetup implements PluginSetup {
    private static final int MAX_REGEXP = 10_000;

    @Override
    public void setup(SetupContext ctx) throws ConfigException {
        ErrorsHandler handler = new ErrorsHandler(parse(ctx.once().dispenser()));
        ctx.addHandler(handler);
        ctx.addLifecycle(handler);
    }

    /** Parses the occurrence (the dispenser stands before the name). */
    static ErrorsConfig parse(Dispenser d) throws ConfigException {
        d.next();
        d.requireNoMoreArgs();
        List<ErrorsConfig.Consolidate> consolidate = new ArrayList<>();
        boolean stacktrace = false;
        while (d.nextBlock()) {
            switch (d.val()) {
                case "stacktrace" -> stacktrace = d.flag();
                case "consolidate" -> consolidate.add(consolidate(d));
                default -> throw d.unknownProperty();
            }
        }
        return new ErrorsConfig(stacktrace, consolidate);
    }

    private static ErrorsConfig.Consolidate consolidate(Dispenser d) throws ConfigException {
        List<Token> args = d.remainingArgTokens();
        if (args.size() < 2 || args.size() > 4) {
            throw d.argErr();
        }
        Duration period = d.duration(args.get(0), "invalid duration '" + args.get(0).text() + "': ");
        if (period.isNegative() || period.isZero()) {
            throw d.pluginErr("consolidate duration must be positive");
        }
        String regexp = args.get(1).text();
        if (regexp.length() > MAX_REGEXP) {
            throw d.pluginErr("regex too long (" + regexp.length() + " > " + MAX_REGEXP + ")");
        }
        try {
            Pattern.compile(regexp);
        } catch (PatternSyntaxException e) {
            throw d.pluginErr("invalid regexp '" + regexp + "': " + e.getDescription());
        }
        String level = "error";
        boolean showFirst = false;
        for (Token t : args.subList(2, args.size())) {
            String extra = t.text();
            switch (extra) {
                case "warning", "error", "info", "debug" -> level = extra;
                case "show_first" -> showFirst = true;
                default -> throw d.pluginErr("unknown log level or option '" + extra + "'");
            }
        }
        return new ErrorsConfig.Consolidate(period, regexp, level, showFirst);
    }
}
