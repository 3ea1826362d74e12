package io.nodedns.plugin.forward;

import io.nodedns.config.ConfigException;
import io.nodedns.config.Directive;
import io.nodedns.config.Dispenser;
import io.nodedns.config.GoDuration;
import io.nodedns.config.Token;
import io.nodedns.config.Zones;
import io.nodedns.log.Log;
import io.nodedns.server.PluginSetup;
import io.nodedns.server.SetupContext;
import io.nodedns.wire.DnsHeader;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * {@code forward FROM TO... { options }} (CoreDNS plugin/forward/README.md). Several forward directives in one block each
 * become a handler, chained in the order written, so a {@code next} hands on to the following one.
 */
public final class ForwardSetup implements PluginSetup {
    static final int MAX_TO = 15;

    public ForwardSetup() {}

    @Override
    public void setup(SetupContext ctx) throws ConfigException {
        List<ForwardHandler> handlers = new ArrayList<>();
        for (Directive d : ctx.occurrences()) {
            handlers.add(new ForwardHandler(parse(d.dispenser()), "forward"));
        }
        for (ForwardHandler h : handlers) {
            ctx.addHandler(h);
            ctx.addLifecycle(h);
            ctx.addMetrics(new ForwardMetrics(h));
        }
        ctx.allowAnyClass();
    }

    /** Parses one occurrence; the dispenser stands before the directive name. */
    public static ForwardConfig parse(Dispenser d) throws ConfigException {
        d.next();
        d.requireArg();
        List<String> zones = Zones.normalize(d.token());
        String from = zones.getFirst();
        if (zones.size() > 1) {
            Log.warning("forward",
                    "Unsupported CIDR notation: '" + d.val() + "' expands to multiple zones. Using only '"
                            + from + "'.");
        }
        List<Token> tos = d.requireArgTokens();
        if (tos.size() > MAX_TO) {
            throw d.pluginErr(tos.get(MAX_TO), "more than " + MAX_TO + " TOs configured: " + tos.size());
        }
        Options o = new Options();
        TlsOptions tls = new TlsOptions();
        while (d.nextBlock()) {
            if (!tls.parse(d) && !o.parse(d)) {
                throw d.unknownProperty();
            }
        }
        o.check();
        List<ToParser.Target> targets = ToParser.targets(tos, o.resolvers);
        if (targets.isEmpty()) {
            throw d.pluginErr(tos.getFirst(), "no nameservers found");
        }
        List<InetSocketAddress> to = new ArrayList<>();
        for (ToParser.Target t : targets) {
            to.add(t.address());
        }
        return o.build(from, to, tls.build(targets));
    }

    /**
     * {@code tls [CERT KEY CA]} and {@code tls_servername NAME}: forward's own, not kubeforward's
     * (its endpoints are plain DNS). Files are read at parse time, so a missing or bad one is a
     * Corefile error with its line.
     */
    private static final class TlsOptions {
        Token tlsAt;
        List<String> args = List.of();
        String serverName;
        Token serverNameAt;

        boolean parse(Dispenser d) throws ConfigException {
            switch (d.val()) {
                case "tls" -> {
                    tlsAt = d.token();
                    List<String> a = d.remainingArgs();
                    if (a.size() > 3) {
                        throw d.argErr();
                    }
                    args = a;
                    return true;
                }
                case "tls_servername" -> {
                    serverNameAt = d.token();
                    serverName = d.requireArg();
                    if (!Zones.isValidDomainName(serverName.endsWith(".") ? serverName : serverName + ".")) {
                        throw d.pluginErr("tls_servername: invalid name '" + serverName + "'");
                    }
                    d.requireNoMoreArgs();
                    return true;
                }
                default -> {
                    return false;
                }
            }
        }

        ForwardTls build(List<ToParser.Target> targets) throws ConfigException {
            java.util.Map<InetSocketAddress, String> tlsUpstreams = new java.util.LinkedHashMap<>();
            for (ToParser.Target t : targets) {
                if (!t.tls()) {
                    continue;
                }
                if (t.serverName() != null && serverName != null) {
                    throw ConfigException.plugin("forward", t.token(), "both forward ('" + serverName
                            + "') and proxy level ('" + t.serverName()
                            + "') TLS servernames are set for upstream proxy '"
                            + t.token().text() + "'");
                }
                tlsUpstreams.put(t.address(), t.serverName() == null ? "" : t.serverName());
            }
            if (tlsUpstreams.isEmpty()) {
                Token at = tlsAt != null ? tlsAt : serverNameAt;
                if (at != null) { // CoreDNS accepts this silently; the option would change nothing
                    Log.warning("forward", at.file() + ":" + at.line() + ": '" + at.text()
                            + "' has no effect: no TO is tls://");
                }
                return null;
            }
            Token at = tlsAt != null ? tlsAt : targets.getFirst().token();
            try {
                return new ForwardTls(io.nodedns.tls.TlsContexts.fromArgs(args), serverName, tlsUpstreams);
            } catch (java.io.IOException e) {
                throw ConfigException.plugin("forward", at, e.getMessage());
            }
        }
    }

    /**
     * forward's block options with CoreDNS's defaults, reusable by plugins that accept them too
     * (kubeforward): call {@link #parse} for each block line, then {@link #check} and {@link #build}.
     */
    public static final class Options {
        List<String> except = new ArrayList<>();
        boolean forceTcp;
        boolean preferUdp;
        Duration expire = io.nodedns.upstream.ConnOptions.DEFAULT_EXPIRE;
        Duration maxAge = Duration.ZERO;
        Token maxAgeToken;
        int maxIdleConns;
        Duration readTimeout = ForwardConfig.DEFAULT_READ_TIMEOUT;
        int maxFails = ForwardConfig.DEFAULT_MAX_FAILS;
        int maxConnectAttempts = -1;
        Duration healthCheck = ForwardConfig.DEFAULT_HEALTH_CHECK;
        boolean hcRecursion = true;
        String hcDomain = ".";
        String policy = "random";
        int maxConcurrent;
        int nextRcodes;
        boolean nextOnNodata;
        int failoverRcodes;
        boolean failfast;
        String dohMethod = "POST";
        InetAddress source;
        List<InetSocketAddress> resolvers = new ArrayList<>();
        boolean forwardSpecialUse;

        /** Parses the option at the cursor; false if it is not a forward option (nothing consumed). */
        public boolean parse(Dispenser d) throws ConfigException {
            return option(d, this);
        }

        /** Checks that the options agree with each other (max_age against expire). */
        public void check() throws ConfigException {
            if (maxAge.compareTo(Duration.ZERO) > 0 && maxAge.compareTo(expire) < 0) {
                throw ConfigException.plugin("forward", maxAgeToken, "max_age (" + GoDuration.format(maxAge)
                        + ") must not be less than expire (" + GoDuration.format(expire) + ")");
            }
        }

        public List<InetSocketAddress> resolvers() {
            return List.copyOf(resolvers);
        }

        public ForwardConfig build(String from, List<InetSocketAddress> to) {
            return build(from, to, null);
        }

        ForwardConfig build(String from, List<InetSocketAddress> to, ForwardTls tls) {
            return new ForwardConfig(from, except, to, forceTcp, preferUdp, expire, maxAge, maxIdleConns, readTimeout,
                    maxFails, maxConnectAttempts, healthCheck, hcRecursion, hcDomain, policy, maxConcurrent, nextRcodes,
                    nextOnNodata, failoverRcodes, failfast, dohMethod, source, resolvers, forwardSpecialUse, tls);
        }
    }

    private static boolean option(Dispenser d, Options o) throws ConfigException {
        String name = d.val();
        switch (name) {
            case "except" -> {
                for (Token t : d.requireArgTokens()) {
                    o.except.addAll(Zones.normalize(t));
                }
            }
            case "force_tcp" -> o.forceTcp = d.flag();
            case "prefer_udp" -> o.preferUdp = d.flag();
            case "expire" -> o.expire = d.nonNegativeDurationArg("expire");
            case "max_age" -> {
                o.maxAgeToken = d.token();
                o.maxAge = d.nonNegativeDurationArg("max_age");
            }
            case "max_idle_conns" -> o.maxIdleConns = d.uint32Arg();
            case "read_timeout" -> {
                Duration t = d.nonNegativeDurationArg("read_timeout");
                if (t.isZero()) {
                    throw d.pluginErr("read_timeout must be positive: " + d.val());
                }
                o.readTimeout = t;
            }
            case "max_fails" -> o.maxFails = d.uint32Arg();
            case "max_connect_attempts" -> o.maxConnectAttempts = d.uint32Arg();
            case "health_check" -> healthCheck(d, o);
            case "policy" -> {
                String p = d.requireArg();
                if (io.nodedns.upstream.Policy.parse(p) == null) {
                    throw d.pluginErr("unknown policy '" + p + "'");
                }
                d.requireNoMoreArgs();
                o.policy = p;
            }
            case "max_concurrent" -> {
                String v = d.requireArg();
                if (!v.matches("[+-]?[0-9]{1,10}") || Long.parseLong(v) > Integer.MAX_VALUE) {
                    throw d.pluginErr("strconv.Atoi: parsing \"" + v + "\": invalid syntax");
                }
                long n = Long.parseLong(v);
                if (n < 0) {
                    throw d.pluginErr("max_concurrent can't be negative: " + n);
                }
                d.requireNoMoreArgs();
                o.maxConcurrent = (int) n;
            }
            case "next" -> o.nextRcodes |= rcodes(d, false);
            case "failover" -> o.failoverRcodes |= rcodes(d, true);
            case "next_on_nodata" -> o.nextOnNodata = d.flag();
            case "failfast_all_unhealthy_upstreams" -> o.failfast = d.flag();
            case "forward_special_use" -> o.forwardSpecialUse = d.flag();
            case "doh_method" -> {
                String m = d.requireArg();
                if (!m.equals("GET") && !m.equals("POST")) {
                    throw d.pluginErr("doh_method must be GET or POST, got '" + m + "'");
                }
                d.requireNoMoreArgs();
                o.dohMethod = m;
            }
            case "source_address" -> {
                String v = d.requireArg();
                InetAddress ip = ToParser.literal(v);
                if (ip == null) {
                    throw d.pluginErr("source_address: invalid IP address '" + v + "'");
                }
                d.requireNoMoreArgs();
                o.source = ip;
            }
            case "resolver" -> {
                for (Token t : d.requireArgTokens()) {
                    o.resolvers.add(ToParser.ipPort(t));
                }
            }
            default -> {
                return false;
            }
        }
        return true;
    }

    private static void healthCheck(Dispenser d, Options o) throws ConfigException {
        d.requireArg();
        o.healthCheck = d.nonNegativeDurationVal("health_check");
        while (d.nextArg()) {
            switch (d.val()) {
                case "no_rec" -> o.hcRecursion = false;
                case "domain" -> {
                    d.requireArg();
                    String domain = d.val();
                    String fqdn = domain.endsWith(".") ? domain : domain + ".";
                    if (!Zones.isValidDomainName(fqdn)) {
                        throw d.pluginErr("health_check: invalid domain name " + domain);
                    }
                    o.hcDomain = fqdn.toLowerCase(java.util.Locale.ROOT);
                }
                default -> throw d.pluginErr("health_check: unknown option " + d.val());
            }
        }
    }

    private static int rcodes(Dispenser d, boolean failover) throws ConfigException {
        int mask = 0;
        for (Token t : d.requireArgTokens()) {
            int rc = DnsHeader.rcodeByName(t.text().toUpperCase(Locale.ROOT));
            if (rc < 0) {
                throw d.pluginErr(t, "'" + t.text() + "' is not a valid rcode");
            }
            if (failover && rc == 0) {
                throw d.pluginErr(t, "NoError cannot be used in failover");
            }
            // Upstream replies are matched on the 4-bit header rcode: an accepted extended one (16+) never matches.
            mask |= rc <= DnsHeader.RCODE_MASK ? 1 << rc : 0;
        }
        return mask;
    }
}
