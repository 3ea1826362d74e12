package io.nodedns.plugin.timeouts;

import io.nodedns.config.ConfigException;
import io.nodedns.config.Dispenser;
import io.nodedns.config.GoDuration;
import io.nodedns.server.ListenerSettings;
import io.nodedns.server.PluginSetup;
import io.nodedns.server.SetupContext;
import java.time.Duration;

/**
 * {@code timeouts { read D; write D; idle D; maxtcpqueries N; maxconnections N }} (CoreDNS plugin/timeouts): TCP
 * timeouts of the block's listeners. {@code maxconnections} is nodedns's own: the cap on open TCP
 * connections per listener (default 1024); connections past it are closed at once.
 */
public final class TimeoutsSetup implements PluginSetup {
    private static final Duration MIN = Duration.ofSeconds(1);
    private static final Duration MAX = Duration.ofHours(24);

    @Override
    public void setup(SetupContext ctx) throws ConfigException {
        Dispenser d = ctx.once().dispenser();
        d.next();
        if (d.nextArg()) {
            throw d.argErr();
        }
        ListenerSettings s = ctx.settings();
        Duration read = s.tcpRead();
        Duration write = s.tcpWrite();
        Duration idle = s.tcpIdle();
        int maxQueries = s.maxTcpQueries();
        int maxConnections = s.maxTcpConnections();
        boolean any = false;
        while (d.nextBlock()) {
            any = true;
            String option = d.val();
            if (!d.nextArg()) {
                throw d.argErr();
            }
            switch (option) {
                case "read" -> read = duration(d);
                case "write" -> write = duration(d);
                case "idle" -> idle = duration(d);
                case "maxtcpqueries" -> {
                    maxQueries = integer(d);
                    if (maxQueries != -1 && maxQueries <= 0) {
                        throw d.err("plugin/timeouts: maxtcpqueries must be -1 or greater than 0");
                    }
                }
                case "maxconnections" -> {
                    maxConnections = integer(d);
                    if (maxConnections <= 0) {
                        throw d.err("plugin/timeouts: maxconnections must be greater than 0");
                    }
                }
                default -> throw d.err("plugin/timeouts: unknown option '" + option + "'");
            }
            if (d.nextArg()) {
                throw d.argErr();
            }
        }
        if (!any) {
            throw d.err("plugin/timeouts: timeouts requires at least one value");
        }
        ctx.settings(new ListenerSettings(s.udpLoops(), read, idle, write, maxQueries, maxConnections));
    }

    /** A bare integer means seconds; otherwise a Go duration; 1s..24h. */
    private static Duration duration(Dispenser d) throws ConfigException {
        String v = d.val();
        Duration result;
        try {
            result = v.matches("\\d+") ? Duration.ofSeconds(Long.parseLong(v)) : GoDuration.parse(v);
        } catch (IllegalArgumentException e) {
            throw d.err("plugin/timeouts: invalid duration '" + v + "'");
        }
        if (result.compareTo(MIN) < 0 || result.compareTo(MAX) > 0) {
            throw d.err("plugin/timeouts: timeout provided '" + v + "' needs to be between 1 second and 24 hours");
        }
        return result;
    }

    private static int integer(Dispenser d) throws ConfigException {
        try {
            return Integer.parseInt(d.val());
        } catch (NumberFormatException e) {
            throw d.err("plugin/timeouts: not a number: '" + d.val() + "'");
        }
    }
}
