package io.nodedns.plugin.forward;

import io.nodedns.config.ConfigException;
import io.nodedns.config.Token;
import io.nodedns.wire.DnsHeader;
import java.io.IOException;
import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.xbill.DNS.ARecord;
import org.xbill.DNS.AAAARecord;
import org.xbill.DNS.Message;
import org.xbill.DNS.Name;
import org.xbill.DNS.Record;
import org.xbill.DNS.Section;
import org.xbill.DNS.SimpleResolver;
import org.xbill.DNS.TextParseException;
import org.xbill.DNS.Type;

/**
 * forward's TO forms (CoreDNS plugin/forward/README.md): {@code [dns://]IP[:PORT]}, {@code [v6]:PORT}, a bare IPv6
 * literal, a resolv.conf-style file (its nameserver lines, port 53; a file without any is
 * skipped), or a hostname resolved once at startup (A and AAAA); and DNS over TLS as
 * {@code tls://IP[%SERVERNAME][:PORT]} (port 853, RFC 7858). The result is deduplicated by
 * address and port, first occurrence first.
 */
final class ToParser {
    static final int DEFAULT_PORT = 53;
    static final int DEFAULT_TLS_PORT = 853;

    /**
     * One upstream as written.
     *
     * @param serverName the per-destination TLS name ({@code tls://IP%NAME}), or null
     */
    record Target(InetSocketAddress address, boolean tls, String serverName, Token token) {
    }

    private static final Duration RESOLVE_TIMEOUT = Duration.ofSeconds(2);

    private ToParser() {}

    /** Every TO with its transport, deduplicated by address (first wins); one address cannot be both plain and TLS. */
    static List<Target> targets(List<Token> tos, List<InetSocketAddress> resolvers) throws ConfigException {
        Map<InetSocketAddress, Target> out = new LinkedHashMap<>();
        for (Token t : tos) {
            HostPort hp = split(t);
            for (InetSocketAddress a : parseOne(t, hp, resolvers)) {
                Target seen = out.get(a);
                if (seen == null) {
                    out.put(a, new Target(a, hp.tls, hp.serverName, t));
                } else if (seen.tls() != hp.tls) {
                    throw ConfigException.plugin("forward", t, "" + io.nodedns.upstream.Upstream.label(a)
                            + " is listed both as plain DNS and as DNS over TLS");
                }
            }
        }
        return List.copyOf(out.values());
    }

    private static List<InetSocketAddress> parseOne(Token token, HostPort hp, List<InetSocketAddress> resolvers)
            throws ConfigException {
        InetAddress ip = literal(hp.host);
        if (ip != null) {
            return List.of(new InetSocketAddress(ip, hp.port));
        }
        if (!hp.scheme && !hp.hasPort && Files.isRegularFile(Path.of(hp.host))) {
            return resolvConf(token, Path.of(hp.host));
        }
        if (!isHostname(hp.host)) {
            throw ConfigException.plugin("forward", token, "not an IP address or file: \"" + token.text() + "\"");
        }
        return resolve(token, hp.host, hp.port, resolvers);
    }

    /** {@code [dns://]IP[:PORT]} only (the resolver option): no files, no hostnames. */
    static InetSocketAddress ipPort(Token token) throws ConfigException {
        HostPort hp = split(token);
        InetAddress ip = literal(hp.host);
        if (ip == null) {
            throw ConfigException.plugin("forward", token, "not an IP address: \"" + token.text() + "\"");
        }
        return new InetSocketAddress(ip, hp.port);
    }

    private record HostPort(String host, int port, boolean hasPort, boolean scheme, boolean tls, String serverName) {
        HostPort(String host, int port, boolean hasPort, boolean scheme) {
            this(host, port, hasPort, scheme, false, null);
        }

        HostPort asTls(String name) {
            return new HostPort(host, hasPort ? port : DEFAULT_TLS_PORT, hasPort, true, true, name); // never a file
        }
    }

    private static HostPort split(Token token) throws ConfigException {
        String s = token.text();
        String rest = s;
        int sep = s.indexOf("://");
        if (sep >= 0) {
            String scheme = s.substring(0, sep).toLowerCase(Locale.ROOT);
            switch (scheme) {
                case "dns" -> rest = s.substring(sep + 3);
                case "tls" -> {
                    return splitTls(token, s.substring(sep + 3));
                }
                case "https" -> throw ConfigException.plugin("forward", token,
                        "DNS-over-HTTPS upstreams ('" + s + "') are not supported yet");
                default -> throw ConfigException.plugin("forward", token,
                        "unsupported transport '" + scheme + "://' in '" + s + "'");
            }
        }
        if (rest.isEmpty()) {
            throw ConfigException.plugin("forward", token, "not an IP address or file: \"" + s + "\"");
        }
        if (rest.startsWith("[")) {
            int close = rest.indexOf(']');
            if (close < 0) {
                throw ConfigException.plugin("forward", token, "missing ']' in address \"" + s + "\"");
            }
            String tail = rest.substring(close + 1);
            if (tail.isEmpty()) {
                return new HostPort(rest.substring(1, close), DEFAULT_PORT, false, sep >= 0);
            }
            if (!tail.startsWith(":")) {
                throw ConfigException.plugin("forward", token, "unexpected text after ']' in \"" + s + "\"");
            }
            return new HostPort(rest.substring(1, close), port(token, tail.substring(1)), true, sep >= 0);
        }
        int first = rest.indexOf(':');
        if (first >= 0 && first == rest.lastIndexOf(':')) {
            return new HostPort(rest.substring(0, first), port(token, rest.substring(first + 1)), true, sep >= 0);
        }
        return new HostPort(rest, DEFAULT_PORT, false, sep >= 0);
    }

    /**
     * {@code IP[%SERVERNAME][:PORT]} after {@code tls://}; the name after the last '%' is the
     * certificate name for this upstream alone (CoreDNS's per-destination server name).
     */
    private static HostPort splitTls(Token token, String rest) throws ConfigException {
        String name = null;
        int pct = rest.lastIndexOf('%');
        if (pct >= 0) {
            String host;
            int close = rest.indexOf(']');
            if (rest.startsWith("[") && close > pct) { // tls://[v6%NAME]:PORT
                name = rest.substring(pct + 1, close);
                host = rest.substring(0, pct) + rest.substring(close);
            } else { // tls://IP%NAME[:PORT]
                host = rest.substring(0, pct);
                name = rest.substring(pct + 1);
                int colon = name.lastIndexOf(':');
                if (colon >= 0) {
                    host = host + name.substring(colon);
                    name = name.substring(0, colon);
                }
            }
            if (name.isEmpty() || !isHostname(name)) {
                throw ConfigException.plugin("forward", token, "invalid TLS server name '" + name + "' in \""
                        + token.text() + "\"");
            }
            rest = host;
        }
        HostPort hp = split(new Token(rest, token.file(), token.line(), false));
        if (hp.scheme) {
            throw ConfigException.plugin("forward", token, "not an IP address or file: \"" + token.text() + "\"");
        }
        return hp.asTls(name);
    }

    private static int port(Token token, String text) throws ConfigException {
        if (!text.matches("[0-9]{1,5}") || Integer.parseInt(text) > 65535) {
            throw ConfigException.plugin("forward", token, "invalid port '" + text + "' in \"" + token.text() + "\"");
        }
        return Integer.parseInt(text);
    }

    /** Parses an IPv4 dotted quad or an IPv6 literal without any name lookup; null otherwise. */
    static InetAddress literal(String host) {
        if (host.matches(
                "(25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])(\\.(25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])){3}")) {
            try {
                return InetAddress.getByName(host);
            } catch (UnknownHostException e) {
                return null;
            }
        }
        if (host.indexOf(':') >= 0 && host.matches("[0-9A-Fa-f:.]+(%[A-Za-z0-9_.-]+)?")) {
            try {
                return InetAddress.getByName(host); // a literal with ':' is never looked up
            } catch (UnknownHostException e) {
                return null;
            }
        }
        return null;
    }

    private static boolean isHostname(String host) {
        return host.matches(
                "[A-Za-z0-9_]([A-Za-z0-9_-]*[A-Za-z0-9_])?(\\.[A-Za-z0-9_]([A-Za-z0-9_-]*[A-Za-z0-9_])?)*\\.?");
    }

    /** Every {@code nameserver IP} line, port 53; comments (# or ;) and other lines ignored. */
    static List<InetSocketAddress> resolvConf(Token token, Path file) throws ConfigException {
        List<String> lines;
        try {
            lines = Files.readAllLines(file, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw ConfigException.plugin("forward", token, "" + file + ": " + e.getMessage());
        }
        List<InetSocketAddress> out = new ArrayList<>();
        for (String line : lines) {
            String[] f = line.strip().split("\\s+");
            if (f.length >= 2 && f[0].equals("nameserver")) {
                InetAddress ip = literal(f[1]);
                if (ip != null) {
                    out.add(new InetSocketAddress(ip, DEFAULT_PORT));
                }
            }
        }
        return out;
    }

    private static List<InetSocketAddress> resolve(Token token, String host, int port,
            List<InetSocketAddress> resolvers)
            throws ConfigException {
        List<InetAddress> ips = new ArrayList<>();
        String why = "no addresses";
        if (resolvers.isEmpty()) {
            try {
                for (InetAddress a : InetAddress.getAllByName(host)) {
                    ips.add(a);
                }
            } catch (UnknownHostException e) {
                why = "no such host";
            }
        } else {
            for (InetSocketAddress r : resolvers) {
                try {
                    ips.addAll(lookup(r, host, Type.A));
                    ips.addAll(lookup(r, host, Type.AAAA));
                } catch (IOException e) {
                    why = e.getMessage();
                }
                if (!ips.isEmpty()) {
                    break;
                }
            }
        }
        if (ips.isEmpty()) {
            throw ConfigException.plugin("forward", token, "failed to resolve \"" + host + "\": " + why);
        }
        List<InetSocketAddress> out = new ArrayList<>();
        for (InetAddress ip : ips) {
            if (ip instanceof Inet4Address || ip instanceof Inet6Address) {
                out.add(new InetSocketAddress(ip, port));
            }
        }
        return out;
    }

    private static List<InetAddress> lookup(InetSocketAddress resolver, String host, int type) throws IOException {
        SimpleResolver r = new SimpleResolver(resolver);
        r.setTimeout(RESOLVE_TIMEOUT);
        Name name;
        try {
            name = Name.fromString(host.endsWith(".") ? host : host + ".");
        } catch (TextParseException e) {
            throw new IOException("invalid name");
        }
        Message reply = r.send(Message.newQuery(Record.newRecord(name, type, org.xbill.DNS.DClass.IN)));
        if (reply.getRcode() != DnsHeader.RCODE_NOERROR) {
            throw new IOException(DnsHeader.rcodeName(reply.getRcode()));
        }
        List<InetAddress> out = new ArrayList<>();
        for (Record rec : reply.getSection(Section.ANSWER)) {
            if (rec instanceof ARecord a) {
                out.add(a.getAddress());
            } else if (rec instanceof AAAARecord a) {
                out.add(a.getAddress());
            }
        }
        return out;
    }
}
