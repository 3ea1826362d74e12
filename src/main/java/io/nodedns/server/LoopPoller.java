package io.nodedns.server;

import java.io.IOException;
import java.nio.channels.SelectableChannel;

/** Waits for readable channels of one loop and calls their handlers; two kinds: epoll (FFM) and NIO. */
interface LoopPoller {
    /** Starts watching a non-blocking channel; call on the loop thread. */
    void register(SelectableChannel channel, LoopChannel handler) throws IOException;

    /** Stops watching a channel; call on the loop thread. */
    void unregister(SelectableChannel channel);

    /** Waits up to the timeout and runs the handler of every readable channel. */
    void poll(long timeoutMillis, UdpLoop owner) throws IOException;

    /** Makes a {@link #poll} in progress return soon; any thread. */
    void wakeup();

    void close();

    static LoopPoller open() throws IOException {
        if (UdpSockets.nativeAllowed() && io.nodedns.sys.Epoll.unavailableReason() == null) {
            return new EpollPoller();
        }
        return new NioPoller();
    }
}
