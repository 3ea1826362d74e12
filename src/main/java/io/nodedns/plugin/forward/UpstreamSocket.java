package io.nodedns.plugin.forward;

import io.nodedns.server.LoopChannel;
import io.nodedns.server.UdpSockets;
import io.nodedns.sys.Errno;
import io.nodedns.upstream.Upstream;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.channels.DatagramChannel;

/**
 * A connected, non-blocking UDP socket from one loop to one upstream, registered with the loop's
 * poller. Connected means the kernel only delivers datagrams from the upstream's address and
 * port; the source port is an ephemeral one the kernel picked at random. Its I/O is picked when it
 * opens. Error texts are built once here so a failure on the hot path does not build strings (a
 * failed send's text once per errno, and only when a query's error is read).
 */
final class UpstreamSocket implements LoopChannel {
    final UdpForwarder owner;
    final Upstream upstream;
    final DatagramChannel channel;
    final UpstreamIo io;
    final String timeoutError;
    final String refusedError;
    private final String path;
    /** The text of the last failed send and its errno: a failure repeating itself builds nothing. */
    private String sendError;
    private int sendErrorErrno;
    private IOException sendErrorCause;

    private UpstreamSocket(UdpForwarder owner, Upstream upstream, DatagramChannel channel, UpstreamIo io,
            String local) {
        this.owner = owner;
        this.upstream = upstream;
        this.channel = channel;
        this.io = io;
        this.path = "udp " + local + "->" + upstream.label();
        this.timeoutError = "read " + path + ": i/o timeout";
        this.refusedError = "read " + path + ": connection refused";
    }

    static UpstreamSocket open(UdpForwarder owner, UpstreamBuffers buffers, Upstream upstream, InetAddress source)
            throws IOException {
        DatagramChannel ch = UdpSockets.connect(upstream.address(), source);
        try {
            int fd = buffers.datagrams == null ? -1 : UdpSockets.nativeFd(ch);
            UpstreamIo io = fd >= 0 ? new NativeUpstreamIo(fd, buffers.datagrams) : new NioUpstreamIo(ch, buffers);
            UpstreamSocket s = new UpstreamSocket(owner, upstream, ch, io,
                    Upstream.label((InetSocketAddress) ch.getLocalAddress()));
            owner.loop.register(ch, s);
            return s;
        } catch (IOException | RuntimeException e) {
            ch.close();
            throw e;
        }
    }

    /** Go's text for a failed send with the errno's name: {@code write udp L->R: write: network is unreachable (ENETUNREACH)}. */
    String sendError(int errno) {
        IOException cause = errno == 0 ? io.sendFailure() : null;
        if (sendError == null || errno != sendErrorErrno || cause != sendErrorCause) {
            sendError = "write " + path + ": write: " + failureText(errno, cause);
            sendErrorErrno = errno;
            sendErrorCause = cause;
        }
        return sendError;
    }

    /** The errno's text, or the JDK's own when the errno is unknown (0) and its exception was kept. */
    static String failureText(int errno, IOException cause) {
        return cause != null ? cause.toString() : Errno.describe(errno);
    }

    @Override
    public void onReadable() {
        owner.onReadable(this);
    }

    void close() {
        try {
            channel.close();
        } catch (IOException ignored) {
            // closing anyway
        }
    }
}
