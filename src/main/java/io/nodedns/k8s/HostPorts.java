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

    /**
     * An IPv4 or IPv6 literal, or null (no DNS lookups). Checked with plain loops, not regexes:
     * this runs for every IP of every object a watch delivers (String.matches compiles a Pattern
     * per call).
     */
    public static InetAddress literal(String host) {
        if (host.isEmpty()) {
            return null;
        }
        if (host.indexOf(':') < 0) {
            byte[] v4 = ipv4(host);
            if (v4 == null) {
                return null;
            }
            try {
                return InetAddress.getByAddress(v4);
            } catch (UnknownHostException e) {
                return null;
            }
        }
        for (int i = 0; i < host.length(); i++) {
            char c = host.charAt(i);
            if (!(c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F' || c == ':' || c == '.')) {
                return null;
            }
        }
        try {
            return InetAddress.getByName(host); // a ':' makes it an IPv6 literal: parsed, never looked up
        } catch (UnknownHostException | IllegalArgumentException e) {
            return null;
        }
    }

    /** Dotted-quad IPv4 (four decimal groups of 1 to 3 digits, each at most 255), or null. */
    private static byte[] ipv4(String s) {
        byte[] out = new byte[4];
        int part = 0;
        int digits = 0;
        int value = 0;
        for (int i = 0; i <= s.length(); i++) {
            char c = i == s.length() ? '.' : s.charAt(i);
            if (c >= '0' && c <= '9') {
                if (++digits > 3) {
                    return null;
                }
                value = value * 10 + (c - '0');
            } else if (c == '.') {
                if (digits == 0 || value > 255 || part == 4) {
                    return null;
                }
                out[part++] = (byte) value;
                digits = 0;
                value = 0;
            } else {
                return null;
            }
        }
        return part == 4 ? out : null;
    }

    private static int port(String s) {
        if (s.isEmpty() || s.length() > 5) {
            return -1;
        }
        int p = 0;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c < '0' || c > '9') {
                return -1;
            }
            p = p * 10 + (c - '0');
        }
        return p >= 1 && p <= 65535 ? p : -1;
    }
}
