package io.nodedns.plugin.reload;

import io.nodedns.config.ConfigException;
import io.nodedns.config.Dispenser;
import io.nodedns.config.GoDuration;
import io.nodedns.server.Lifecycle;
import io.nodedns.server.PluginSetup;
import io.nodedns.server.SetupContext;
import java.time.Duration;
import java.util.concurrent.ThreadLocalRandom;

/**
 * {@code reload [INTERVAL [JITTER]]} (CoreDNS plugin/reload): re-reads the Corefile every INTERVAL (default 30s,
 * at least 2s) plus a random offset in [-JITTER/2, +JITTER/2) drawn once per load (JITTER default
 * 15s, 0 or at least 1s, capped at INTERVAL/2). The server reloads only if the parsed config's
 * SHA-512 changed; a broken new Corefile keeps the old one serving.
 */
public final class ReloadSetup implements PluginSetup {
    static final Duration DEFAULT_INTERVAL = Duration.ofSeconds(30);
    static final Duration DEFAULT_JITTER = Duration.ofSeconds(15);
    static final Duration MIN_INTERVAL = Duration.ofSeconds(2);
    static final Duration MIN_JITTER = Duration.ofSeconds(1);

    /** One block's reload settings: the jitter is already capped at half the interval. */
    record ReloadConfig(Duration interval, Duration jitter) {
    }

    @Override
    public void setup(SetupContext ctx) throws ConfigException {
        // CoreDNS reads only the first reload directive of a block.
        ReloadConfig config = parse(ctx.occurrences().getFirst().dispenser());
        ReloadTimer timer = ctx.shared().state("reload.timer", k -> new ReloadTimer(ctx.shared()));
        Duration period = withJitter(config.interval(), config.jitter());
        ctx.addLifecycle(new Lifecycle() {
            @Override
            public void start() {
                timer.schedule(this, period);
            }

            @Override
            public void stop() {
                timer.cancel(this);
            }
        });
    }

    static ReloadConfig parse(Dispenser d) throws ConfigException {
        d.next();
        Duration interval = DEFAULT_INTERVAL;
        Duration jitter = DEFAULT_JITTER;
        if (d.nextArg()) {
            interval = d.duration(d.token(), "invalid interval: ");
            if (interval.compareTo(MIN_INTERVAL) < 0) {
                throw d.pluginErr("interval value must be greater or equal to " + GoDuration.format(MIN_INTERVAL)
                        + ", got " + d.val());
            }
            if (d.nextArg()) {
                jitter = d.duration(d.token(), "invalid jitter: ");
                if (!jitter.isZero() && jitter.compareTo(MIN_JITTER) < 0) {
                    throw d.pluginErr("jitter value must be 0 or greater or equal to " + GoDuration.format(MIN_JITTER)
                            + ", got " + d.val());
                }
                d.requireNoMoreArgs();
            }
        }
        if (d.nextBlock()) {
            throw d.pluginErr("takes no block");
        }
        Duration half = interval.dividedBy(2);
        return new ReloadConfig(interval, jitter.compareTo(half) > 0 ? half : jitter);
    }

    static Duration withJitter(Duration interval, Duration jitter) {
        if (jitter.isZero()) {
            return interval;
        }
        long j = jitter.toMillis();
        long offset = ThreadLocalRandom.current().nextLong(j) - j / 2;
        return interval.plusMillis(offset);
    }
}
