package io.nodedns.plugin.errors;

import io.nodedns.log.Log;
import io.nodedns.config.GoDuration;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Pattern;

/**
 * {@code consolidate DURATION REGEXP [LEVEL] [show_first]}: errors matching the pattern are counted;
 * DURATION after the first one a single summary line is printed.
 */
final class Consolidator {
    private final Duration period;
    private final Pattern pattern;
    private final String level;
    private final boolean showFirst;
    private final AtomicLong count = new AtomicLong();
    private volatile boolean stopped;

    Consolidator(Duration period, Pattern pattern, String level, boolean showFirst) {
        this.period = period;
        this.pattern = pattern;
        this.level = level;
        this.showFirst = showFirst;
    }

    /** True if the error matched (and was counted instead of logged). */
    boolean offer(String error) {
        if (!pattern.matcher(error).find()) {
            return false;
        }
        if (count.getAndIncrement() == 0) {
            if (showFirst) {
                log(error);
            }
            Thread.ofVirtual().name("nodedns-errors-consolidate").start(this::summarizeLater);
        }
        return true;
    }

    private void summarizeLater() {
        try {
            Thread.sleep(period);
        } catch (InterruptedException e) {
            return;
        }
        long n = count.getAndSet(0);
        if (stopped || (showFirst && n <= 1)) {
            return;
        }
        log(n + " errors like '" + pattern.pattern() + "' occurred in last " + GoDuration.format(period));
    }

    private void log(String message) {
        switch (level) {
            case "warning" -> Log.warning("errors", message);
            case "info" -> Log.info("errors", message);
            case "debug" -> Log.debug("errors", message);
            default -> Log.error("errors", message);
        }
    }

    void stop() {
        stopped = true;
    }
}
