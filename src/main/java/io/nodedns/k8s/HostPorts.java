package io.nodedns.k8s;

import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;

/**
 * IP-literal {@code host:port} text as Go's JoinHostPort writes it: IPv6 in brackets
 * ({@code [fd00::a]:53}), IPv4 bare ({@code 10.0.0.1:53}). Never resolves names.
 */
public final class HostPorts {
    private HostPorts() {}

    /** {@code 10.0.0.1:53} or {@code [fd00::a]:53}. */
    public static String format(InetSocketAddress a) {
        InetAddress ip = a.getAddress();
        String host = ip instanceof Inet6Address ? io.nodedns.net.IpText.of(ip.getAddress()) : ip.getHostAddress();
        return (ip instanceof Inet6Address ? "[" + host + "]" : host) + ":" + a.getPort();
    }

    /**
     * Parses an IP literal with an optional port ({@code 10.0.0.1}, {@code 10.0.0.1:5353},
     * {@code fd00::a}, {@code [fd00::a]:53}); null if it is not one.
     */
    public static InetSocketAddress parse(String text, int defaultPort) {
        String host = text;
        int port = defaultPort;
        if (text.startsWith("[")) {
            int close = text.indexOf(']');
            if (close < 0) {
                return null;
            }
            host = text.substring(1, close);
            String rest = text.substring(close + 1);
            if (!rest.isEmpty()) {
                if (!rest.startsWith(":")) {
                    return null;
                }
                port = port(rest.substring(1));
            }
        } else if (text.indexOf(':') >= 0 && text.indexOf(':') == text.lastIndexOf(':')) {
            host = text.substring(0, text.indexOf(':'));
            port = port(text.substring(text.indexOf(':') + 1));
        }
        if (port < 0) {
            return null;
        }
        InetAddress ip = literal(host);
        return ip == null ? null : new InetSocketAddress(ip, port);
    }

    /** An IPv4 or IPv6 literal, or null (no DNS lookups). */
    public static InetAddress literal(String host) {
        if (host.isEmpty() || !(host.indexOf(':') >= 0 || host.matches("[0-9.]+"))) {
            return null;
        }
        if (host.indexOf(':') < 0 && !host.matches("(\\d{1,3})\\.(\\d{1,3})\\.(\\d{1,3})\\.(\\d{1,3})")) {
            return null;
        }
        if (host.indexOf(':') >= 0 && !host.matches("[0-9A-Fa-f:.]+")) {
            return null;
        }
        try {
            return InetAddress.getByName(host);
        } catch (UnknownHostException | IllegalArgumentException e) {
            return null;
        }
    }

    private static int port(String s) {
        if (!s.matches("[0-9]{1,5}")) {
            return -1;
        }
        int p = Integer.parseInt(s);
        return p >= 1 && p <= 65535 ? p : -1;
    }
}
