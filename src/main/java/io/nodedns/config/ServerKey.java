package io.nodedns.config;

import java.util.ArrayList;
import java.util.List;

/**
 * One zone a server block serves, from a key {@code [SCHEME://]ZONE[:PORT]} (CoreDNS core/dnsserver/register.go, plugin/normalize.go).
 *
 * @param scheme "dns", "tls", "quic", "grpc", "https" or "https3"
 * @param zone   lowercase, fully qualified ("example.org."), "." for the root
 * @param port   the key's explicit port, else the scheme's default
 * @param source the key token, for error messages
 */
public record ServerKey(String scheme, String zone, int port, Token source) {

    /**
     * Parses one key. A reverse (CIDR) key yields one ServerKey per reverse zone ({@code 10.0.0.0/15}
     * gives two); all share the key's scheme and port.
     *
     * @param defaultPort the port for plain DNS keys without one (the -dns.port flag, normally 53)
     */
    public static List<ServerKey> parse(Token key, int defaultPort) throws ConfigException {
        KeySyntax.Parsed parsed = KeySyntax.parse(key);
        int port = parsed.port() >= 0 ? parsed.port() : defaultPort(parsed.scheme(), defaultPort);
        List<ServerKey> keys = new ArrayList<>(parsed.zones().size());
        for (String zone : parsed.zones()) {
            keys.add(new ServerKey(parsed.scheme(), zone, port, key));
        }
        return keys;
    }

    /**
     * Parses all keys of a block in CoreDNS's order: each key's first zone stays in place and
     * the extra zones of split CIDR keys are appended after all keys.
     */
    public static List<ServerKey> parseAll(List<Token> keys, int defaultPort) throws ConfigException {
        List<ServerKey> inPlace = new ArrayList<>();
        List<ServerKey> appended = new ArrayList<>();
        for (Token key : keys) {
            List<ServerKey> parsed = parse(key, defaultPort);
            inPlace.add(parsed.get(0));
            appended.addAll(parsed.subList(1, parsed.size()));
        }
        inPlace.addAll(appended);
        return inPlace;
    }

    /** 853 for tls and quic, 443 for grpc, https and https3, else {@code dnsPort}. */
    public static int defaultPort(String scheme, int dnsPort) {
        return switch (scheme) {
            case "tls", "quic" -> 853;
            case "grpc", "https", "https3" -> 443;
            default -> dnsPort;
        };
    }

    /** CoreDNS's internal form of the key, e.g. "dns://example.org.:53". */
    public String address() {
        return scheme + "://" + zone + ":" + port;
    }

    @Override
    public String toString() {
        return address();
    }
}
