package io.nodedns.plugin.forward;

import io.nodedns.upstream.ConnOptions;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;

/**
 * One parsed {@code forward} directive (CoreDNS plugin/forward/README.md) with CoreDNS's defaults.
 *
 * @param from               the FROM zone, lower case, fully qualified
 * @param except             excluded zones, normalized
 * @param to                 upstream addresses, deduplicated, in configured order
 * @param maxConnectAttempts 0 = no cap; -1 = CoreDNS's default of 2 x upstreams
 * @param nextRcodes         bit r set: rcode r hands the query to a following forward
 * @param failoverRcodes     bit r set: rcode r moves the query to the next upstream
 * @param forwardSpecialUse  send localhost. and invalid. upstream instead of answering them (RFC 6761)
 * @param tls                which upstreams are DNS over TLS and how they are checked; null: none
 */
public record ForwardConfig(
        String from,
        List<String> except,
        List<InetSocketAddress> to,
        boolean forceTcp,
        boolean preferUdp,
        Duration expire,
        Duration maxAge,
        int maxIdleConns,
        Duration readTimeout,
        int maxFails,
        int maxConnectAttempts,
        Duration healthCheck,
        boolean healthCheckRecursion,
        String healthCheckDomain,
        String policy,
        int maxConcurrent,
        int nextRcodes,
        boolean nextOnNodata,
        int failoverRcodes,
        boolean failfastAllUnhealthy,
        String dohMethod,
        InetAddress sourceAddress,
        List<InetSocketAddress> resolvers,
        boolean forwardSpecialUse,
        ForwardTls tls) {

    public static final Duration DEFAULT_READ_TIMEOUT = Duration.ofSeconds(2);
    public static final Duration DEFAULT_HEALTH_CHECK = Duration.ofMillis(500);
    public static final int DEFAULT_MAX_FAILS = 2;
    /** CoreDNS's fixed overall budget per query. */
    public static final Duration QUERY_BUDGET = Duration.ofSeconds(5);

    public ForwardConfig {
        except = List.copyOf(except);
        to = List.copyOf(to);
        resolvers = List.copyOf(resolvers);
    }

    /** The attempt cap this config applies: the explicit value, or 2 x upstreams by default. */
    public int effectiveMaxConnectAttempts(int upstreams) {
        return maxConnectAttempts < 0 ? 2 * upstreams : maxConnectAttempts;
    }

    /** The DNS-over-TLS client for upstream {@code a}, or null when it is plain DNS. */
    public io.nodedns.upstream.TlsClient tlsClient(InetSocketAddress a) {
        return tls == null ? null : tls.client(a);
    }

    public ConnOptions connOptions() {
        return new ConnOptions(expire, maxAge, maxIdleConns, sourceAddress);
    }

    /** A copy with other upstreams (kubeforward fills them from endpoints). */
    public ForwardConfig withTo(List<InetSocketAddress> upstreams) {
        return new ForwardConfig(from, except, upstreams, forceTcp, preferUdp, expire, maxAge, maxIdleConns,
                readTimeout, maxFails, maxConnectAttempts, healthCheck, healthCheckRecursion, healthCheckDomain, policy,
                maxConcurrent, nextRcodes, nextOnNodata, failoverRcodes, failfastAllUnhealthy, dohMethod, sourceAddress,
                resolvers, forwardSpecialUse, tls);
    }
}
