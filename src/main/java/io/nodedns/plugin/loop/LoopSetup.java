package io.nodedns.plugin.loop;

import io.nodedns.config.ConfigException;
import io.nodedns.config.Dispenser;
import io.nodedns.server.PluginSetup;
import io.nodedns.server.SetupContext;
import java.util.List;

/**
 * {@code loop} (spec 6.7): no arguments, once per block. At start the block sends itself one
 * {@code HINFO <random>.<random>.<zone>} query; seeing it come back more than twice means the
 * upstream forwards to us, and the process exits (CoreDNS's behaviour).
 */
public final class LoopSetup implements PluginSetup {
    private final java.util.function.Consumer<String> onLoop;

    public LoopSetup() {
        this(LoopDetector::exitFatally);
    }

    /** With what happens on a detected loop (tests record instead of exiting). */
    public LoopSetup(java.util.function.Consumer<String> onLoop) {
        this.onLoop = onLoop;
    }

    @Override
    public void setup(SetupContext ctx) throws ConfigException {
        Dispenser d = ctx.once().dispenser();
        d.next();
        if (d.nextArg() || d.nextBlock()) {
            throw d.argErr();
        }
        List<String> hosts = ctx.boundHosts();
        String host = hosts.isEmpty() ? "127.0.0.1" : hosts.getFirst();
        int port = ctx.keys().getFirst().port();
        LoopDetector detector = new LoopDetector(ctx.zones().getFirst(), host, port, onLoop);
        ctx.addHandler(detector);
        ctx.addLifecycle(detector);
    }
}
