package io.nodedns.server;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import org.agrona.DirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;

/**
 * A loop socket's NIO I/O, where FFM cannot be used: one datagram per receive, the sender as an
 * InetSocketAddress (allocated whenever the sender changes), each reply sent at once.
 */
final class NioListenIo extends NioUdpIo implements ListenIo {
    private final DatagramChannel channel;
    /** A slot and one byte, so a longer datagram shows as cut. */
    private final ByteBuffer rx = ByteBuffer.allocateDirect(NativeListenIo.SLOT + 1);
    private final UnsafeBuffer rxView = new UnsafeBuffer(rx);
    private InetSocketAddress from;

    NioListenIo(DatagramChannel channel) {
        super(NativeListenIo.SLOT);
        this.channel = channel;
    }

    @Override
    protected DirectBuffer buffer() {
        return rxView;
    }

    /** @throws UncheckedIOException a socket error, counted by the loop like any other */
    @Override
    public int receive() {
        rx.clear();
        SocketAddress sender;
        try {
            sender = channel.receive(rx);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        if (sender == null) {
            return 0;
        }
        from = (InetSocketAddress) sender;
        return received(rx.position());
    }

    /** A wildcard socket's replies leave from the address the kernel picks (no IP_PKTINFO here). */
    @Override
    public boolean repliesFromDestination() {
        return false;
    }

    /** Never waits: this socket is non-blocking ({@link #waitsInReceive} is false). */
    @Override
    public int receiveWaiting() {
        return receive();
    }

    @Override
    public boolean waitsInReceive() {
        return false;
    }

    @Override
    public void sender(int i, Exchange ex) {
        ex.client().set(from);
    }

    @Override
    public void reply(Exchange ex, UdpLoop owner) {
        ByteBuffer out = ex.response().byteBuffer();
        out.clear().limit(ex.responseLength());
        try {
            channel.send(out, ex.client().socketAddress());
        } catch (IOException | RuntimeException e) {
            owner.caught(e);
        }
        owner.release(ex);
    }

    /** Nothing to do: replies are sent at once. */
    @Override
    public void flush(UdpLoop owner) {}

    @Override
    public int queued() {
        return 0;
    }

    @Override
    public DatagramChannel channel() {
        return channel;
    }

    /** Nothing native: the buffer goes with the GC. */
    @Override
    public void free() {}
}
