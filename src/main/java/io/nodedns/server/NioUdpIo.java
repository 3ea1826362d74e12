package io.nodedns.server;

import org.agrona.DirectBuffer;

/**
 * What the NIO side of {@link UdpIo} shares: one datagram per receive, read into a buffer one
 * byte longer than a slot, so a datagram longer than the slot shows as cut.
 */
public abstract class NioUdpIo implements UdpIo {
    private final int slot;
    private int received;

    protected NioUdpIo(int slot) {
        this.slot = slot;
    }

    /** The buffer the last datagram was read into, from offset 0. */
    protected abstract DirectBuffer buffer();

    /** Records that a datagram of {@code bytes} was read into {@link #buffer}; returns 1, the count received. */
    protected final int received(int bytes) {
        received = bytes;
        return 1;
    }

    @Override
    public final int batch() {
        return 1;
    }

    @Override
    public final DirectBuffer data(int i) {
        return buffer();
    }

    @Override
    public final int length(int i) {
        return Math.min(received, slot);
    }

    @Override
    public final boolean truncated(int i) {
        return received > slot;
    }

    @Override
    public final boolean nativeIo() {
        return false;
    }
}
