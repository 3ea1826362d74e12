package io.nodedns.server;

import io.nodedns.sys.LinuxSockets;
import java.io.IOException;
import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.StandardProtocolFamily;
import java.net.StandardSocketOptions;
import java.nio.channels.DatagramChannel;

/**
 * Opens the UDP sockets of loops and of forward's upstreams, and decides in one place whether
 * they use the FFM socket calls ({@link LinuxSockets}, {@link io.nodedns.sys.Epoll}) or NIO:
 * FFM on Linux where the calls link, unless {@code -Dnodedns.udp.native=false} (comparisons, tests).
 */
public final class UdpSockets {
    private UdpSockets() {}

    /** True when sockets opened now may use the FFM calls. */
    public static boolean nativeAllowed() {
        return Boolean.parseBoolean(System.getProperty("nodedns.udp.native", "true"))
                && LinuxSockets.unavailableReason() == null;
    }

    /** The descriptor the FFM calls use for {@code ch}, or -1 where the socket is to use NIO. */
    public static int nativeFd(DatagramChannel ch) {
        return nativeAllowed() ? LinuxSockets.fd(ch) : -1;
    }

    /**
     * A connected, non-blocking socket to {@code to}, from {@code source} (null: the kernel picks)
     * and an ephemeral port the kernel picks at random.
     */
    public static DatagramChannel connect(InetSocketAddress to, InetAddress source) throws IOException {
        DatagramChannel ch = DatagramChannel.open(
                to.getAddress() instanceof Inet4Address ? StandardProtocolFamily.INET : StandardProtocolFamily.INET6);
        try {
            ch.bind(source == null ? null : new InetSocketAddress(source, 0));
            ch.connect(to);
            ch.configureBlocking(false);
            return ch;
        } catch (IOException | RuntimeException e) {
            ch.close();
            throw e;
        }
    }

    /**
     * One SO_REUSEPORT socket of a listener, bound, registered with the loop's poller and given its
     * I/O. With FFM: a wildcard socket reads each query's destination address (IP_PKTINFO /
     * IPV6_RECVPKTINFO), and unless {@code -Dnodedns.udp.waitInReceive=false} the socket blocks
     * with a receive timeout of {@code receiveTimeoutMillis}, so an idle loop waits in recvmmsg.
     */
    static ListenIo listen(ListenAddress address, LoopPoller poller, LoopChannel handler, long receiveTimeoutMillis)
            throws IOException {
        InetSocketAddress bindTo = address.socketAddress();
        // the wildcard ("" host) is dual-stack like Go's ":53"; a specific IPv4 address gets an IPv4 socket
        DatagramChannel ch = bindTo.getAddress() instanceof Inet4Address && !address.host().isEmpty()
                ? DatagramChannel.open(StandardProtocolFamily.INET)
                : DatagramChannel.open();
        try {
            ch.setOption(StandardSocketOptions.SO_REUSEADDR, true);
            ch.setOption(StandardSocketOptions.SO_REUSEPORT, true);
            ch.setOption(StandardSocketOptions.SO_RCVBUF, 4 << 20);
            ch.setOption(StandardSocketOptions.SO_SNDBUF, 4 << 20);
            ch.bind(bindTo);
            ch.configureBlocking(false);
            poller.register(ch, handler);
        } catch (IOException | RuntimeException e) {
            ch.close();
            throw e;
        }
        int fd = nativeFd(ch);
        if (fd < 0) {
            return new NioListenIo(ch);
        }
        return new NativeListenIo(ch, fd, packetInfo(ch, fd), blockingWithTimeout(ch, fd, receiveTimeoutMillis));
    }

    /**
     * Takes a listener's socket out of its SO_REUSEPORT group for new datagrams, keeping those it
     * has queued, so a reload that replaces the socket loses none: the socket is connected to its
     * own address (for a wildcard one, loopback), a peer no client has. Since Linux 5.4 (commit
     * acdcecc61285, "udp: correct reuseport selection with connected sockets") the UDP lookup
     * ({@code udp4_lib_lookup2}, {@code udp6_lib_lookup2}) scores a connected socket only for
     * datagrams from its peer, and the group's hash ({@code reuseport_select_sock}, scoring when
     * {@code reuseport_has_conns}) skips connected sockets; a wildcard socket is also rehashed
     * under the address it now has. The kernel keeps the socket's queue on connect, and a sendto
     * with an explicit address still goes there (verified on 6.18: a connected member gets no new
     * datagram, reads the ones queued before, and its replies arrive). CoreDNS's reload (caddy's
     * startServers) gives a new server the old socket of the same address (restartFds) and closes
     * the others with what they queued. Null once it left; else why not: the call is unavailable (not Linux) or failed, or a
     * wildcard socket whose replies do not carry their source (no IP_PKTINFO): connected to
     * loopback, it would answer other clients from a loopback address.
     */
    static String leaveGroup(ListenIo io) {
        DatagramChannel ch = io.channel();
        int fd = LinuxSockets.unavailableReason() == null ? LinuxSockets.fd(ch) : -1;
        if (fd < 0) {
            return "connect(2) needs Linux and the socket's descriptor";
        }
        InetSocketAddress bound;
        try {
            bound = (InetSocketAddress) ch.getLocalAddress();
        } catch (IOException e) {
            return "its address: " + e.getMessage();
        }
        if (bound == null) {
            return "it is not bound";
        }
        InetAddress self = bound.getAddress();
        if (self.isAnyLocalAddress()) {
            if (!io.repliesFromDestination()) {
                return "a wildcard socket without IP_PKTINFO would answer from loopback";
            }
            // a dual-stack socket takes an IPv4 peer too, should the IPv6 loopback be off (it then has no
            // IPv6 clients: connected to a v4-mapped peer it can no longer send to IPv6 addresses)
            String v6 = self instanceof Inet6Address
                    ? LinuxSockets.connect(fd, new InetSocketAddress("::1", bound.getPort()))
                    : "";
            return v6 == null ? null : LinuxSockets.connect(fd, new InetSocketAddress("127.0.0.1", bound.getPort()));
        }
        return LinuxSockets.connect(fd, bound);
    }

    /** Turns on the destination address of each datagram for a wildcard socket; false for others or on failure. */
    private static boolean packetInfo(DatagramChannel ch, int fd) {
        InetAddress local;
        try {
            InetSocketAddress bound = (InetSocketAddress) ch.getLocalAddress();
            local = bound == null ? null : bound.getAddress();
        } catch (IOException e) {
            return false; // unknown: no packet info
        }
        if (local == null || !local.isAnyLocalAddress()) {
            return false;
        }
        return local instanceof Inet6Address
                ? LinuxSockets.setIntOption(fd, LinuxSockets.SOL_IPV6, LinuxSockets.IPV6_RECVPKTINFO, 1)
                : LinuxSockets.setIntOption(fd, LinuxSockets.SOL_IP, LinuxSockets.IP_PKTINFO, 1);
    }

    /** Makes the native path's socket blocking with a receive timeout; false if it cannot. */
    private static boolean blockingWithTimeout(DatagramChannel ch, int fd, long timeoutMillis) {
        if (!Boolean.parseBoolean(System.getProperty("nodedns.udp.waitInReceive", "true"))) {
            return false;
        }
        if (!LinuxSockets.setReceiveTimeout(fd, timeoutMillis * 1000)) {
            return false;
        }
        try {
            ch.configureBlocking(true); // only our MSG_WAITFORONE receive waits; NIO never reads it
            return true;
        } catch (IOException | RuntimeException e) { // e.g. registered with a Selector (the NIO poller)
            return false;
        }
    }
}
