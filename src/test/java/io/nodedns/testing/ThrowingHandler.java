package io.nodedns.testing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.nodedns.plugin.Plugins;
import io.nodedns.server.ChainHandler;
import io.nodedns.server.Exchange;
import io.nodedns.server.PluginRegistry;
import java.util.ArrayList;
import java.util.List;

/** A plugin whose handler always throws: how the errors and debug tests make a handler fail. */
public final class ThrowingHandler extends ChainHandler {
    public ThrowingHandler() {
        super("thrower");
    }

    @Override
    public int serve(Exchange ex) {
        throw new IllegalStateException("boom");
    }

    /** Every shipped plugin plus the directive {@code thrower} (this handler) right after {@code plugin} in the order. */
    public static PluginRegistry registryAfter(String plugin) {
        List<String> order = new ArrayList<>(PluginRegistry.ORDER);
        order.add(order.indexOf(plugin) + 1, "thrower");
        return Plugins.registerAll(new PluginRegistry(order)).register("thrower", ctx -> {
            ctx.once().dispenser().next();
            ctx.addHandler(new ThrowingHandler());
        });
    }

    /** Asserts the logged lines after {@code line} are this handler's exception and then its frame. */
    public static void assertStackFollows(LogCapture log, String line) {
        List<String> lines = log.lines();
        int at = lines.indexOf(line);
        assertEquals("java.lang.IllegalStateException: boom", lines.get(at + 1), lines.toString());
        assertTrue(lines.get(at + 2).startsWith("\tat " + ThrowingHandler.class.getName() + ".serve("),
                lines.get(at + 2));
    }
}
