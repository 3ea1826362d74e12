package io.nodedns.plugin.errors;

import io.nodedns.config.ConfigException;
import io.nodedns.config.Dispenser;
import io.nodedns.config.Token;
import io.nodedns.server.Lifecycle;
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
        Dispenser d = ctx.once().dispenser();
        d.next();
        d.requireNoMoreArgs();
        List<Consolidator> consolidators = new ArrayList<>();
        boolean stacktrace = false;
        while (d.nextBlock()) {
            switch (d.val()) {
                case "stacktrace" -> {
                    d.requireNoMoreArgs();
                    stacktrace = true;
                }
                case "consolidate" -> consolidators.add(consolidate(d));
                default -> throw d.pluginErr("unknown property '" + d.val() + "'");
            }
        }
        ctx.addHandler(new ErrorsHandler(consolidators, stacktrace));
        ctx.addLifecycle(new Lifecycle() {
            @Override
            public void stop() {
                consolidators.forEach(Consolidator::stop);
            }
        });
    }

    private static Consolidator consolidate(Dispenser d) throws ConfigException {
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
        Pattern pattern;
        try {
            pattern = Pattern.compile(regexp);
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
        return new Consolidator(period, pattern, level, showFirst);
    }
}
