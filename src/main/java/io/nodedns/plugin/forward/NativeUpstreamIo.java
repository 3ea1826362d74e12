package io.nodedns.plugin.forward;

import io.nodedns.sys.UpstreamDatagrams;
import org.agrona.DirectBuffer;

/** An upstream socket's FFM I/O: send and recvmmsg on its descriptor, through the loop's {@link UpstreamDatagrams}. */
record NativeUpstreamIo(int fd, UpstreamDatagrams io) implements UpstreamIo {
    @Override
    public int send(int length) {
        if (io.send(fd, length) == length) {
            return length;
        }
        return io.errno() == UpstreamDatagrams.ECONNREFUSED ? REFUSED : FAILED;
    }

    @Override
    public int sendErrno() {
        return io.errno();
    }

    @Override
    public int receive() {
        int n = io.receive(fd);
        if (n < 0) {
            return io.errno() == UpstreamDatagrams.ECONNREFUSED ? REFUSED : FAILED;
        }
        return n;
    }

    @Override
    public int batch() {
        return UpstreamDatagrams.SLOTS;
    }

    @Override
    public DirectBuffer data(int i) {
        return io.slot(i);
    }

    @Override
    public int length(int i) {
        return Math.min(io.length(i), UpstreamDatagrams.SLOT_SIZE);
    }

    @Override
    public boolean truncated(int i) {
        return io.truncated(i);
    }

    @Override
    public boolean nativeIo() {
        return true;
    }
}
