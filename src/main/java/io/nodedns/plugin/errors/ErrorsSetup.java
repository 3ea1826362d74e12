package io.nodedns.plugin.errors;

import io.nodedns.config.ConfigException;
import io.nodedns.config.Dispenser;
import io.nodedns.config.GoDuration;
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
        if (d.nextArg()) {
            throw d.argErr();
        }
        List<Consolidator> consolidators = new ArrayList<>();
        boolean stacktrace = false;
        while (d.nextBlock()) {
            switch (d.val()) {
                case "stacktrace" -> {
                    if (d.nextArg()) {
                        throw d.argErr();
                    }
                    stacktrace = true;
                }
                case "consolidate" -> consolidators.add(consolidate(d));
                default -> throw d.err("plugin/errors: unknown property '" + d.val() + "'");
            }
        }
        ctx.addHandler(new ErrorsPlugin(consolidators, stacktrace));
        ctx.addLifecycle(new Lifecycle() {
            @Override
            public void stop() {
                consolidators.forEach(Consolidator::stop);
            }
        });
    }

    private static Consolidator consolidate(Dispenser d) throws ConfigException {
        List<String> args = d.remainingArgs();
        if (args.size() < 2 || args.size() > 4) {
            throw d.argErr();
        }
        Duration period;
        try {
            period = GoDuration.parse(args.get(0));
        } catch (IllegalArgumentException e) {
            throw d.err("plugin/errors: invalid duration '" + args.get(0) + "'");
        }
        if (period.isNegative() || period.isZero()) {
            throw d.err("plugin/errors: consolidate duration must be positive");
        }
        String regexp = args.get(1);
        if (regexp.length() > MAX_REGEXP) {
            throw d.err("plugin/errors: regex too long (" + regexp.length() + " > " + MAX_REGEXP + ")");
        }
        Pattern pattern;
        try {
            pattern = Pattern.compile(regexp);
        } catch (PatternSyntaxException e) {
            throw d.err("plugin/errors: invalid regexp '" + regexp + "': " + e.getDescription());
        }
        String level = "error";
        boolean showFirst = false;
        for (String extra : args.subList(2, args.size())) {
            switch (extra) {
                case "warning", "error", "info", "debug" -> level = extra;
                case "show_first" -> showFirst = true;
                default -> throw d.err("plugin/errors: unknown log level or option '" + extra + "'");
            }
        }
        return new Consolidator(period, pattern, level, showFirst);
    }
}
