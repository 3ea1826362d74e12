package io.nodedns.server;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;

/**
 * A DNS listen address: host ("" = every interface), port and scheme (dns, tls or https: what
 * the listener serves). Its {@link #label()} is the CoreDNS group string used for the metrics
 * label "server" ({@code dns://:53}, {@code dns://[::1]:53}, {@code tls://:853}).
 */
public record ListenAddress(String host, int port, String scheme) {

    /** A plain DNS (UDP and TCP) address. */
    public ListenAddress(String host, int port) {
        this(host, port, "dns");
    }

    public String label() {
        String s = scheme + "://";
        if (host.isEmpty()) {
            return s + ":" + port;
        }
        return host.indexOf(':') >= 0 ? s + "[" + host + "]:" + port : s + host + ":" + port;
    }

    /** HOST:PORT as Go's net.Listen reports it ({@code :53}, {@code [::1]:53}), for error messages. */
    public String hostPort() {
        return (host.indexOf(':') >= 0 ? "[" + host + "]" : host) + ":" + port;
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

    // Written out, not the record's generated pair: that is bootstrapped through
    // java.lang.runtime.ObjectMethods at first use (a map key at start-up), which spun method-handle
    // classes for 0.3 s of the main thread before the first answer (docs/operations.md).
    @Override
    public boolean equals(Object o) {
        return o instanceof ListenAddress a && port == a.port && host.equals(a.host) && scheme.equals(a.scheme);
    }

    @Override
    public int hashCode() {
        return 31 * (31 * host.hashCode() + port) + scheme.hashCode();
    }
}
