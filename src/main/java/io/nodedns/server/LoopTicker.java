package io.nodedns.server;

/**
 * Periodic work on a loop thread (timeouts, sweeps): called about every {@link UdpLoop#TICK_NANOS},
 * and at least every poll timeout when the loop is idle.
 */
public interface LoopTicker {
    void onTick(long nowNanos);
}
