package io.nodedns.plugin.health;

import io.nodedns.config.ConfigException;
import io.nodedns.config.Dispenser;
import io.nodedns.config.GoDuration;
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
 * unlike CoreDNS, 503 with the reason while any UDP loop or TCP acceptor has stopped (issue 23).
 * ADDR defaults to {@code :8080}.
 */
public final class HealthSetup implements PluginSetup {
    public static final String DEFAULT_ADDRESS = ":8080";

    @Override
    public void setup(SetupContext ctx) throws ConfigException {
        Dispenser d = ctx.once().dispenser();
        d.next();
        String address = HttpAddress.optional(d, DEFAULT_ADDRESS);
        Duration lameDuck = Duration.ZERO;
        while (d.nextBlock()) {
            if (!d.val().equals("lameduck")) {
                throw d.err("plugin/health: unknown property '" + d.val() + "'");
            }
            if (!d.nextArg()) {
                throw d.argErr();
            }
            try {
                lameDuck = GoDuration.parse(d.val());
            } catch (IllegalArgumentException e) {
                throw d.err("plugin/health: unable to parse lameduck duration value: '" + d.val() + "'");
            }
            if (lameDuck.isNegative()) {
                throw d.err("plugin/health: lameduck duration must be positive");
            }
            if (d.nextArg()) {
                throw d.argErr();
            }
        }
        io.nodedns.server.Shared shared = ctx.shared();
        ctx.addHttpRoute(new HttpRoute(address, "/health", exchange -> {
            String problem = shared.servingProblem();
            if (problem == null) {
                HttpEndpoints.reply(exchange, 200, "OK");
            } else {
                HttpEndpoints.reply(exchange, 503, problem);
            }
        }));
        Duration chosen = lameDuck;
        ctx.addLifecycle(new Lifecycle() {
            @Override
            public void start() {
                if (chosen.compareTo(ctx.shared().lameDuck()) > 0) {
                    ctx.shared().lameDuck(chosen); // several blocks: the longest lame duck wins
                }
            }
        });
    }
}
