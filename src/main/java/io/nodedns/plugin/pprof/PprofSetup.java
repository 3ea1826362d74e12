package io.nodedns.plugin.pprof;

import io.nodedns.config.ConfigException;
import io.nodedns.config.Dispenser;
import io.nodedns.server.HttpAddress;
import io.nodedns.server.HttpRoute;
import io.nodedns.server.PluginSetup;
import io.nodedns.server.SetupContext;

/**
 * {@code pprof [ADDRESS] { block [RATE] }} (CoreDNS plugin/pprof): JVM diagnostics under
 * {@code /debug/pprof/} on the shared HTTP listeners (thread dump, class histogram, JFR recording);
 * {@code block} records thread parks and monitor waits longer than RATE ns in the JFR recording,
 * the JVM's counterpart of Go's block profile. Adds no handler to the chain.
 */
public final class PprofSetup implements PluginSetup {
    public static final String DEFAULT_ADDRESS = "localhost:6053";
    private static final String STATE_KEY = "pprof/block";

    @Override
    public void setup(SetupContext ctx) throws ConfigException {
        io.nodedns.config.Directive directive = ctx.once();
        Dispenser d = directive.dispenser();
        d.next();
        String address = HttpAddress.optional(d, DEFAULT_ADDRESS);
        long blockRate = 0;
        while (d.nextBlock()) {
            if (!d.val().equals("block")) {
                throw d.unknownProperty();
            }
            blockRate = 1;
            if (d.nextArg()) {
                try {
                    blockRate = Long.parseLong(d.val());
                } catch (NumberFormatException e) {
                    throw d.pluginErr("property 'block' invalid integer value '" + d.val() + "'");
                }
                if (blockRate <= 0) {
                    throw d.pluginErr("property 'block' must be positive, got '" + d.val() + "'");
                }
                if (d.nextArg()) {
                    throw d.argErr();
                }
            }
        }
        // blocks naming one address share its routes: they must agree on what the recording holds
        @SuppressWarnings("unchecked")
        var rates = (java.util.Map<String, Long>) ctx.buildState().computeIfAbsent(STATE_KEY,
                k -> new java.util.HashMap<String, Long>());
        Long earlier = rates.putIfAbsent(address, blockRate);
        if (earlier != null && earlier != blockRate) {
            throw new ConfigException(directive.nameToken(), "plugin/pprof: another server block serves pprof on "
                    + address + " with a different 'block' setting");
        }
        PprofHandlers handlers = new PprofHandlers(blockRate);
        ctx.addHttpRoute(new HttpRoute(address, PprofHandlers.PREFIX, handlers::redirect));
        ctx.addHttpRoute(new HttpRoute(address, PprofHandlers.PREFIX + "/", handlers::index));
        ctx.addHttpRoute(new HttpRoute(address, PprofHandlers.PREFIX + "/goroutine", handlers::threads));
        ctx.addHttpRoute(new HttpRoute(address, PprofHandlers.PREFIX + "/heap", handlers::heap));
        ctx.addHttpRoute(new HttpRoute(address, PprofHandlers.PREFIX + "/profile", handlers::profile));
    }
}
