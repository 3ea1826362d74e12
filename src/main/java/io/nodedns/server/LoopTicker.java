package io.nodedns.server;

/** Periodic work on a loop thread (timeouts, sweeps): called at least every tick interval. */
public interface LoopTicker {
    void onTick(long nowNanos);
}
