package io.nodedns.plugin.forward;

import io.nodedns.server.LoopChannel;
import io.nodedns.upstream.Upstream;
import java.io.IOException;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.StandardProtocolFamily;
import java.nio.channels.DatagramChannel;

/**
 * A connected, non-blocking UDP socket from one loop to one upstream, registered with the loop's
 * selector. Connected means the kernel only delivers datagrams from the upstream's address and
 * port; the source port is an ephemeral one the kernel picked at random. Error texts are built
 * once here so a failure on the hot path does not build strings.
 */
final class UpstreamSocket implements LoopChannel {
    final UdpForwarder owner;
    final Upstream upstream;
    final DatagramChannel channel;
    /** The socket's descriptor for the native path, or -1 (then NIO read/write are used). */
    final int fd;
    final String timeoutError;
    final String refusedError;

    private UpstreamSocket(UdpForwarder owner, Upstream upstream, DatagramChannel channel, String local) {
        this.owner = owner;
        this.upstream = upstream;
        this.channel = channel;
        this.fd = io.nodedns.sys.UpstreamDatagrams.unavailableReason() == null
                && Boolean.parseBoolean(System.getProperty("nodedns.udp.native", "true"))
                ? io.nodedns.sys.LinuxSockets.fd(channel) : -1;
        String path = "udp " + local + "->" + upstream.label();
        this.timeoutError = "read " + path + ": i/o timeout";
        this.refusedError = "read " + path + ": connection refused";
    }

    static UpstreamSocket open(UdpForwarder owner, Upstream upstream, InetAddress source) throws IOException {
        InetSocketAddress to = upstream.address();
        DatagramChannel ch = to.getAddress() instanceof Inet4Address
                ? DatagramChannel.open(StandardProtocolFamily.INET) : DatagramChannel.open(StandardProtocolFamily.INET6);
        try {
            ch.bind(source == null ? null : new InetSocketAddress(source, 0));
            ch.connect(to);
            ch.configureBlocking(false);
            UpstreamSocket s = new UpstreamSocket(owner, upstream, ch, Upstream.label((InetSocketAddress) ch.getLocalAddress()));
            owner.loop.register(ch, s);
            return s;
        } catch (IOException | RuntimeException e) {
            ch.close();
            throw e;
        }
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
