package io.nodedns.plugin.timeouts;

import io.nodedns.config.ConfigException;
import io.nodedns.config.Dispenser;
import io.nodedns.config.ServerKey;
import io.nodedns.server.ListenerSettings;
import io.nodedns.server.PluginSetup;

import io.nodedns.server.SetupContext;
import java.time.Duration;

/**
 * {@code timeouts { read D; write D; idle D; maxtcpqueries N; maxconnections N }} (CoreDNS plugin/timeouts): TCP
 * timeouts of the block's listeners. {@code maxconnections} is nodedns's own: the cap on open TCP
 * connections per listener (default 1024); past it a new connection takes an idle one's place, or is
 * closed after up to 1 s if every one stays busy. An
 * {@code https://} block takes only {@code read} and {@code idle} (DohServer has no use for the others).
 */
public final class TimeoutsSetup implements PluginSetup {
    private static final Duration MIN = Duration.ofSeconds(1);
    private static final Duration MAX = Duration.ofHours(24);

    @Override
    public void setup(SetupContext ctx) throws ConfigException {
        boolean https = false;
        for (ServerKey k : ctx.keys()) {
            https |= k.scheme().equals("https");
        }
        ctx.settings(parse(ctx.once().dispenser(), ctx.settings(), https));
    }

    /** The block's listener settings with the timeouts of one occurrence applied (the dispenser stands before the name). */
    static ListenerSettings parse(Dispenser d, ListenerSettings s, boolean https) throws ConfigException {
        d.next();
        d.requireNoMoreArgs();
        Duration read = s.tcpRead();
        Duration write = s.tcpWrite();
        Duration idle = s.tcpIdle();
        int maxQueries = s.maxTcpQueries();
        int maxConnections = s.maxTcpConnections();
        boolean any = false;
        while (d.nextBlock()) {
            any = true;
            String option = d.val();
            d.requireArg();
            if (https && !option.equals("read") && !option.equals("idle")) {
                // DoH is Jetty's: no absolute write deadline, no query count, its own 200-connection cap
                throw d.pluginErr("'" + option + "' is not supported in https:// blocks (only read and idle)");
            }
            switch (option) {
                case "read" -> read = duration(d);
                case "write" -> write = duration(d);
                case "idle" -> idle = duration(d);
                case "maxtcpqueries" -> {
                    maxQueries = d.intVal(Integer.MIN_VALUE, Integer.MAX_VALUE);
                    if (maxQueries != -1 && maxQueries <= 0) {
                        throw d.pluginErr("maxtcpqueries must be -1 or greater than 0");
                    }
                }
                case "maxconnections" -> {
                    maxConnections = d.intVal(Integer.MIN_VALUE, Integer.MAX_VALUE);
                    if (maxConnections <= 0) {
                        throw d.pluginErr("maxconnections must be greater than 0");
                    }
                }
                default -> throw d.pluginErr("unknown option '" + option + "'");
            }
            d.requireNoMoreArgs();
        }
        if (!any) {
            throw d.pluginErr("timeouts requires at least one value");
        }
        return new ListenerSettings(s.udpLoops(), read, idle, write, maxQueries, maxConnections);
    }

    /** A bare integer means seconds; otherwise a Go duration; 1s..24h. */
    private static Duration duration(Dispenser d) throws ConfigException {
        Duration result = d.durationValLenient();
        if (result.compareTo(MIN) < 0 || result.compareTo(MAX) > 0) {
            throw d.pluginErr("timeout provided '" + d.val() + "' needs to be between 1 second and 24 hours");
        }
        return result;
    }
}
