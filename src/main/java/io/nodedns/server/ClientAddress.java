package io.nodedns.server;

import io.nodedns.config.IpPrefix;
import io.nodedns.sys.SockAddr;
import java.lang.foreign.MemorySegment;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;

/**
 * Where a query came from: either raw sockaddr bytes (the native UDP path, no objects per query)
 * or a Java socket address (TCP, the NIO fallback). The Java form of a raw address is built only
 * when a plugin asks for it (log, whoami).
 */
public final class ClientAddress {
    private InetSocketAddress socketAddress;
    private MemorySegment raw;

    public void set(InetSocketAddress address) {
        this.socketAddress = address;
        this.raw = null;
    }

    /** Points at the exchange's copy of the sender's sockaddr; nothing is decoded until asked. */
    void setRaw(MemorySegment sockaddr) {
        this.raw = sockaddr;
        this.socketAddress = null;
    }

    public InetSocketAddress socketAddress() {
        if (socketAddress == null && raw != null) {
            socketAddress = SockAddr.toInetSocketAddress(raw);
        }
        return socketAddress;
    }

    public InetAddress address() {
        return socketAddress().getAddress();
    }

    public int port() {
        return raw != null ? SockAddr.port(raw) : socketAddress.getPort();
    }

    /** Length of the client's IP: 4 for IPv4 (IPv4-mapped IPv6 included, as Go's To4), else 16. */
    public int ipLength() {
        if (raw != null) {
            return SockAddr.family(raw) == io.nodedns.sys.LinuxSockets.AF_INET || SockAddr.isV4Mapped(raw) ? 4 : 16;
        }
        return IpPrefix.unmapped(socketAddress.getAddress().getAddress()).length;
    }

    /** Byte {@code i} of the client's IP (see {@link #ipLength()}); no objects on the native UDP path (acl). */
    public int ipByte(int i) {
        if (raw != null) {
            int base = SockAddr.family(raw) == io.nodedns.sys.LinuxSockets.AF_INET
                    ? 4
                    : SockAddr.isV4Mapped(raw) ? 20 : 8;
            return raw.get(java.lang.foreign.ValueLayout.JAVA_BYTE, base + i) & 0xFF;
        }
        return IpPrefix.unmapped(socketAddress.getAddress().getAddress())[i] & 0xFF;
    }

    /** 1 for IPv4, 2 for IPv6 (CoreDNS's metric label "family"). IPv4-mapped IPv6 counts as IPv4. */
    public int family() {
        if (raw != null) {
            return SockAddr.labelFamily(raw);
        }
        return socketAddress.getAddress() instanceof Inet4Address ? 1 : 2;
    }

    /** The IP as text, IPv6 without brackets and without a scope. */
    public String ipText() {
        String host = address().getHostAddress();
        int percent = host.indexOf('%');
        return percent < 0 ? host : host.substring(0, percent);
    }

    @Override
    public String toString() {
        return family() == 1 ? ipText() + ":" + port() : "[" + ipText() + "]:" + port();
    }
}
