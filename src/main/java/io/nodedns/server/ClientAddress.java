package io.nodedns.server;

import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;

/**
 * Where a query came from. Holds the socket address the transport gave us; the textual and byte
 * forms are derived only when a plugin asks (log, whoami), so the hot path never builds them.
 */
public final class ClientAddress {
    private InetSocketAddress socketAddress;

    public void set(InetSocketAddress address) {
        this.socketAddress = address;
    }

    public InetSocketAddress socketAddress() {
        return socketAddress;
    }

    public InetAddress address() {
        return socketAddress.getAddress();
    }

    public int port() {
        return socketAddress.getPort();
    }

    /** 1 for IPv4, 2 for IPv6 (CoreDNS's metric label "family"). IPv4-mapped IPv6 counts as IPv4. */
    public int family() {
        return socketAddress.getAddress() instanceof Inet4Address ? 1 : 2;
    }

    /** The IP as text, IPv6 without brackets and without a scope. */
    public String ipText() {
        String host = socketAddress.getAddress().getHostAddress();
        int percent = host.indexOf('%');
        return percent < 0 ? host : host.substring(0, percent);
    }

    @Override
    public String toString() {
        return family() == 1 ? ipText() + ":" + port() : "[" + ipText() + "]:" + port();
    }
}
