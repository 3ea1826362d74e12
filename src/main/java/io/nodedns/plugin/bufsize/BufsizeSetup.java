package io.nodedns.plugin.bufsize;

import io.nodedns.config.ConfigException;
import io.nodedns.config.Dispenser;
import io.nodedns.server.PluginSetup;
import io.nodedns.server.SetupContext;

/**
 * {@code bufsize [SIZE]} (CoreDNS plugin/bufsize): lowers, never raises, the UDP size a client advertises in its
 * OPT record, default 1232, range 512..4096. Both the upstream query and the truncation limit of
 * the reply follow the lowered size. Requests without EDNS are untouched.
 */
public final class BufsizeSetup implements PluginSetup {
    static final int DEFAULT = 1232;
    static final int MIN = 512;
    static final int MAX = 4096;

    @Override
    public void setup(SetupContext ctx) throws ConfigException {
        ctx.addHandler(new BufsizeHandler(parse(ctx.once().dispenser())));
    }

    /** The size one occurrence sets (the dispenser stands before the name). */
    static int parse(Dispenser d) throws ConfigException {
        d.next();
        int size = DEFAULT;
        if (d.nextArg()) {
            try {
                size = Integer.parseInt(d.val());
            } catch (NumberFormatException e) {
                throw d.pluginErr("invalid bufsize '" + d.val() + "'");
            }
            if (size < MIN || size > MAX) {
                throw d.pluginErr("bufsize must be within " + MIN + " - " + MAX + ", got " + size);
            }
            d.requireNoMoreArgs();
        }
        if (d.nextBlock()) {
            throw d.pluginErr("takes no block");
        }
        return size;
    }
}
