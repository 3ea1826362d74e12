package io.nodedns.server;

import java.io.IOException;
import java.net.BindException;
import java.net.Inet4Address;
import java.net.InetSocketAddress;
import java.net.StandardProtocolFamily;
import java.net.StandardSocketOptions;
import java.nio.channels.DatagramChannel;
import java.nio.channels.ServerSocketChannel;

/**
 * Whether another socket already serves an address. Every nodedns listener binds with
 * SO_REUSEPORT (so HA pairs can share addresses), which also lets a second nodedns, or any server
 * binding the same way, start beside the first without an error: the kernel then spreads queries
 * and scrapes over both. A probe socket bound <em>without</em> SO_REUSEPORT fails with
 * EADDRINUSE exactly when some socket holds the address (a wildcard socket counts for every
 * address of its port), and is closed again at once.
 */
final class PortProbe {
    private PortProbe() {}

    /** True if a UDP socket already holds {@code address}; same socket family rule as {@link UdpLoop}. */
    static boolean udpInUse(InetSocketAddress address, boolean wildcard) throws IOException {
        if (address.getPort() == 0) {
            return false;
        }
        try (DatagramChannel ch = address.getAddress() instanceof Inet4Address && !wildcard
                ? DatagramChannel.open(StandardProtocolFamily.INET) : DatagramChannel.open()) {
            ch.bind(address); // no SO_REUSEADDR: for UDP that alone would let two sockets share
            return false;
        } catch (BindException e) {
            return true;
        }
    }

    /**
     * True if a TCP socket listens on {@code address}. SO_REUSEADDR is set so that connections of
     * an earlier run still in TIME_WAIT do not count; a listening socket still does.
     */
    static boolean tcpInUse(InetSocketAddress address) throws IOException {
        if (address.getPort() == 0) {
            return false;
        }
        try (ServerSocketChannel ch = address.getAddress() instanceof Inet4Address
                ? ServerSocketChannel.open(StandardProtocolFamily.INET) : ServerSocketChannel.open()) {
            ch.setOption(StandardSocketOptions.SO_REUSEADDR, true);
            ch.bind(address);
            return false;
        } catch (BindException e) {
            return true;
        }
    }
}
