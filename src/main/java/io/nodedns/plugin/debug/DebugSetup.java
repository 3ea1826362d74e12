package io.nodedns.plugin.debug;

import io.nodedns.config.ConfigException;
import io.nodedns.config.Dispenser;
import io.nodedns.log.Log;
import io.nodedns.server.Lifecycle;
import io.nodedns.server.PluginSetup;
import io.nodedns.server.SetupContext;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * {@code debug} (CoreDNS plugin/debug): process-wide {@code [DEBUG]} lines while a configuration
 * with it serves, and the block's handler failures logged with their Java stack at once. CoreDNS
 * stops recovering panics so the crash prints a stack; a JVM has the stack without the crash, and
 * taking node DNS down for it serves no one, so failures stay SERVFAIL (docs/plugins/debug.md).
 */
public final class DebugSetup implements PluginSetup {
    @Override
    public void setup(SetupContext ctx) throws ConfigException {
        Dispenser d = ctx.once().dispenser();
        d.next();
        if (d.nextArg() || d.nextBlock()) {
            throw d.argErr();
        }
        ctx.addHandler(new DebugHandler());
        AtomicBoolean held = new AtomicBoolean();
        ctx.addLifecycle(new Lifecycle() {
            @Override
            public void start() {
                if (held.compareAndSet(false, true)) {
                    Log.holdDebug();
                }
            }

            @Override
            public void stop() {
                if (held.compareAndSet(true, false)) {
                    Log.releaseDebug();
                }
            }
        });
    }
}
