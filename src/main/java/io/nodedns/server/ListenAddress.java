package io.nodedns.server;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;

/**
 * A DNS listen address: host ("" = every interface) and port. Its {@link #label()} is the CoreDNS
 * group string used for the metrics label "server" ({@code dns://:53}, {@code dns://[::1]:53}).
 */
public record ListenAddress(String host, int port) {

    public String label() {
        if (host.isEmpty()) {
            return "dns://:" + port;
        }
        return host.indexOf(':') >= 0 ? "dns://[" + host + "]:" + port : "dns://" + host + ":" + port;
    }

    /** The socket address to bind; the wildcard is the dual-stack any-address. */
    public InetSocketAddress socketAddress() throws UnknownHostException {
        if (host.isEmpty()) {
            return new InetSocketAddress(port);
        }
        return new InetSocketAddress(InetAddress.getByName(host), port);
    }

    @Override
    public String toString() {
        return label();
    }
}
