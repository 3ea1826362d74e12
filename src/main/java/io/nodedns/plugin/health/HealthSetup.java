package io.nodedns.plugin.health;

import io.nodedns.config.ConfigException;
import io.nodedns.config.Dispenser;
import io.nodedns.server.HttpAddress;
import io.nodedns.server.HttpEndpoints;
import io.nodedns.server.HttpRoute;
import io.nodedns.server.Lifecycle;
import io.nodedns.server.PluginSetup;
import io.nodedns.server.SetupContext;
import java.time.Duration;

/**
 * {@code health [ADDR] [{ lameduck DURATION }]} (CoreDNS plugin/health): {@code /health} answers 200 "OK" while
 * the process runs, including during lame duck, so the kubelet keeps the pod while DNS drains;
 * unlike CoreDNS, 503 with the reason while any UDP loop or TCP acceptor has stopped (docs/plugins/health.md).
 * ADDR defaults to {@code :8080}.
 */
public final class HealthSetup implements PluginSetup {
    public static final String DEFAULT_ADDRESS = ":8080";

    @Override
    public void setup(SetupContext ctx) throws ConfigException {
        HealthConfig config = parse(ctx.once().dispenser());
        io.nodedns.server.Shared shared = ctx.shared();
        ctx.addHttpRoute(new HttpRoute(config.address(), "/health", exchange -> {
            String problem = shared.servingProblem();
            if (problem == null) {
                HttpEndpoints.reply(exchange, 200, "OK");
            } else {
                HttpEndpoints.reply(exchange, 503, problem);
            }
        }));
        ctx.addLifecycle(new Lifecycle() {
            @Override
            public void start() {
                if (config.lameDuck().compareTo(ctx.shared().lameDuck()) > 0) {
                    ctx.shared().lameDuck(config.lameDuck()); // several blocks: the longest lame duck wins
                }
            }
        });
    }

    /** Parses one occurrence (the dispenser stands before the name). */
    static HealthConfig parse(Dispenser d) throws ConfigException {
        d.next();
        String address = HttpAddress.optional(d, DEFAULT_ADDRESS);
        Duration lameDuck = Duration.ZERO;
        while (d.nextBlock()) {
            if (!d.val().equals("lameduck")) {
                throw d.unknownProperty();
            }
            d.requireArg();
            lameDuck = d.duration(d.token(), "unable to parse lameduck duration value: '" + d.val() + "': ");
            if (lameDuck.isNegative()) {
                throw d.pluginErr("lameduck duration must be positive");
            }
            d.requireNoMoreArgs();
        }
        return new HealthConfig(address, lameDuck);
    }
}
