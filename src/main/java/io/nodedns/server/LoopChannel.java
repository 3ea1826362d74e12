package io.nodedns.server;

/** A channel registered with a {@link UdpLoop}'s selector (for example an upstream socket). */
public interface LoopChannel {
    /** Called on the loop thread when the channel is readable; must not block. */
    void onReadable();
}
