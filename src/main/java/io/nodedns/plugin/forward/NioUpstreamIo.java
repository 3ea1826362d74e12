package io.nodedns.plugin.forward;

import io.nodedns.server.NioUdpIo;
import io.nodedns.sys.Errno;
import java.io.IOException;
import java.net.PortUnreachableException;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import org.agrona.DirectBuffer;

/** An upstream socket's NIO I/O, where FFM cannot be used: write and one read per datagram. */
final class NioUpstreamIo extends NioUdpIo implements UpstreamIo {
    private final DatagramChannel channel;
    private final UpstreamBuffers buffers;
    private int sendErrno;
    private IOException sendFailure;

    NioUpstreamIo(DatagramChannel channel, UpstreamBuffers buffers) {
        super(UpstreamBuffers.UDP_SIZE);
        this.channel = channel;
        this.buffers = buffers;
    }

    @Override
    protected DirectBuffer buffer() {
        return buffers.rx();
    }

    @Override
    public int send(int length) {
        ByteBuffer tx = buffers.txBuffer;
        tx.clear().limit(length);
        try {
            if (channel.write(tx) == length) {
                return length;
            }
            sendErrno = Errno.EAGAIN; // a non-blocking datagram that did not fit the send buffer
            sendFailure = null;
        } catch (PortUnreachableException e) {
            return REFUSED;
        } catch (IOException e) {
            sendErrno = Errno.ofMessage(e.getMessage()); // the JDK words it with strerror
            sendFailure = sendErrno == 0 ? e : null; // kept, not worded: the text is built where it is read
        }
        return FAILED;
    }

    @Override
    public int sendErrno() {
        return sendErrno;
    }

    @Override
    public IOException sendFailure() {
        return sendFailure;
    }

    @Override
    public int receive() {
        ByteBuffer rx = buffers.rxBuffer();
        rx.clear();
        int n;
        try {
            n = channel.read(rx);
        } catch (PortUnreachableException e) {
            return REFUSED;
        } catch (IOException e) {
            return FAILED;
        }
        if (n <= 0) {
            return 0;
        }
        return received(n);
    }

}
