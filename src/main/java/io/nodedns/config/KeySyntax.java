package io.nodedns.config;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Locale;
import java.util.regex.Pattern;

/**
 * The shared grammar of server block keys and plugin zone arguments, {@code [SCHEME://]ZONE[:PORT]},
 * following CoreDNS's parse.Transport and plugin.SplitHostPort (CoreDNS core/dnsserver/register.go, plugin/normalize.go, plugin/plugin.go).
 */
final class KeySyntax {

    static final List<String> SCHEMES = List.of("dns", "tls", "quic", "grpc", "https3", "https");
    private static final Pattern ANY_SCHEME = Pattern.compile("^[A-Za-z][A-Za-z0-9+.-]*://");
    private static final Pattern GO_INT = Pattern.compile("[+-]?[0-9]+");
    private static final int MAX_NAME_OCTETS = 255;
    private static final int MAX_WIRE_OCTETS = 256;

    /**
     * @param scheme one of {@link #SCHEMES}
     * @param zones  normalized zones: lowercase, fully qualified; several for a split CIDR
     * @param port   the explicit port, or -1 if the key has none
     */
    record Parsed(String scheme, List<String> zones, int port) {
    }

    private KeySyntax() {}

    static Parsed parse(Token token) throws ConfigException {
        String key = token.text();
        String scheme = "dns";
        String rest = key;
        if (ANY_SCHEME.matcher(key).find()) {
            int sep = key.indexOf("://");
            scheme = key.substring(0, sep);
            if (!SCHEMES.contains(scheme)) {
                throw new ConfigException(token, "unsupported scheme '" + scheme + "://' in '" + key
                        + "' (expecting one of dns, tls, quic, grpc, https, https3)");
            }
            rest = key.substring(sep + 3);
        }
        // The text after the last ':' is the port if it is a number; reverse keys carry their
        // /mask before the port, so "10.0.0.0/24:1053" works.
        int port = -1;
        String host = rest;
        int colon = rest.lastIndexOf(':');
        if (colon >= 0 && colon == rest.length() - 1) {
            throw new ConfigException(token, "expecting data after last colon: \"" + key + "\"");
        }
        if (colon >= 0 && GO_INT.matcher(rest.substring(colon + 1)).matches()) {
            long value = parsePort(token, rest.substring(colon + 1));
            if (value >= 0) {
                port = (int) value;
                host = rest.substring(0, colon);
            }
        }
        if (host.length() > 1 && host.charAt(0) == '.' && host.charAt(1) != '.') {
            // ".svc" is the zone svc. (CoreDNS loads a ConfigMap written so and routes svc. names
            // to its block); ".." and ".a..b" stay errors below.
            host = host.substring(1);
        }
        checkName(token, host);
        IpPrefix prefix = IpPrefix.parse(host);
        if (prefix == null) {
            String fqdn = fqdn(host);
            checkName(token, fqdn); // CoreDNS re-checks the FQDN form: "a" can pass where "a." does not
            return new Parsed(scheme, List.of(fqdn.toLowerCase(Locale.ROOT)), port);
        }
        if (host.startsWith(":") || (host.startsWith("0") && host.contains(":"))) {
            throw new ConfigException(token, "invalid CIDR " + host);
        }
        return new Parsed(scheme, prefix.reverseZones(), port);
    }

    /** The port as a number, or -1 if it overflows Go's int (then it stays part of the zone). */
    private static long parsePort(Token token, String digits) throws ConfigException {
        long value;
        try {
            value = Long.parseLong(digits.startsWith("+") ? digits.substring(1) : digits);
        } catch (NumberFormatException e) {
            return -1;
        }
        if (value < 0 || value > 65535) {
            throw new ConfigException(token, "invalid port '" + digits + "' in '" + token.text() + "'");
        }
        return value;
    }

    private static void checkName(Token token, String name) throws ConfigException {
        int octets = name.getBytes(StandardCharsets.UTF_8).length;
        if (octets > MAX_NAME_OCTETS) {
            throw new ConfigException(token, "specified zone is too long: " + octets + " > " + MAX_NAME_OCTETS);
        }
        if (!isDomainName(name)) {
            throw new ConfigException(token, "zone is not a valid domain name: " + name);
        }
    }

    /** Appends the root dot unless the name already ends in an unescaped dot. */
    static String fqdn(String name) {
        return isFqdn(name) ? name : name + ".";
    }

    static boolean isFqdn(String name) {
        if (name.isEmpty() || name.charAt(name.length() - 1) != '.') {
            return false;
        }
        int backslashes = 0;
        for (int i = name.length() - 2; i >= 0 && name.charAt(i) == '\\'; i--) {
            backslashes++;
        }
        return backslashes % 2 == 0; // an odd count means the final dot is escaped
    }

    /**
     * miekg/dns IsDomainName: not empty, no leading dot (except the root), no empty label, labels
     * under 64 octets, at most 256 octets in wire form; {@code \X} and {@code \DDD} escapes count
     * as one octet. Any other character is allowed.
     */
    static boolean isDomainName(String name) {
        if (name.isEmpty()) {
            return false;
        }
        byte[] s = fqdn(name).getBytes(StandardCharsets.UTF_8);
        int wire = 0;
        int labelStart = 0;
        boolean previousWasDot = false;
        boolean escaped = false;
        for (int i = 0; i < s.length; i++) {
            switch (s[i]) {
                case '\\' -> {
                    escaped = !escaped;
                    if (wire + 1 > MAX_WIRE_OCTETS) {
                        return false;
                    }
                    int skip = isDdd(s, i + 1) ? 3 : 1; // the escaped text stands for one octet
                    i += skip;
                    labelStart += skip;
                    previousWasDot = false;
                }
                case '.' -> {
                    escaped = false;
                    if ((i == 0 && s.length > 1) || previousWasDot) {
                        return false;
                    }
                    previousWasDot = true;
                    int labelLength = i - labelStart;
                    if (labelLength >= 64) {
                        return false;
                    }
                    wire += 1 + labelLength;
                    if (wire > MAX_WIRE_OCTETS) {
                        return false;
                    }
                    labelStart = i + 1;
                }
                default -> {
                    escaped = false;
                    previousWasDot = false;
                }
            }
        }
        return !escaped;
    }

    private static boolean isDdd(byte[] s, int from) {
        return from + 3 <= s.length && isDigit(s[from]) && isDigit(s[from + 1]) && isDigit(s[from + 2]);
    }

    private static boolean isDigit(byte b) {
        return b >= '0' && b <= '9';
    }
}
