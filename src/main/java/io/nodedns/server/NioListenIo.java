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
final class NioListenIo implements ListenIo {
    private final DatagramChannel channel;
    /** A slot and one byte, so a longer datagram shows as cut. */
    private final ByteBuffer rx = ByteBuffer.allocateDirect(NativeListenIo.SLOT + 1);
    private final UnsafeBuffer rxView = new UnsafeBuffer(rx);
    private InetSocketAddress from;
    private int received;

    NioListenIo(DatagramChannel channel) {
        this.channel = channel;
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
        received = rx.position();
        return 1;
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
    public int batch() {
        return 1;
    }

    @Override
    public DirectBuffer data(int i) {
        return rxView;
    }

    @Override
    public int length(int i) {
        return Math.min(received, NativeListenIo.SLOT);
    }

    @Override
    public boolean truncated(int i) {
        return received > NativeListenIo.SLOT;
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
    public void flush(UdpLoop owner) {
    }

    @Override
    public int queued() {
        return 0;
    }

    @Override
    public boolean nativeIo() {
        return false;
    }

    @Override
    public DatagramChannel channel() {
        return channel;
    }

    /** Nothing native: the buffer goes with the GC. */
    @Override
    public void free() {
    }
}
