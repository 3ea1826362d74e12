package io.nodedns.plugin.forward;

import io.nodedns.upstream.TlsClient;
import java.net.InetSocketAddress;
import java.util.Map;
import javax.net.ssl.SSLContext;

/**
 * A forwarder's DNS-over-TLS settings: the context from its {@code tls} option (system roots when
 * absent), the forwarder-wide {@code tls_servername}, and which upstreams are {@code tls://} with
 * their per-destination names ({@code tls://IP%NAME}).
 *
 * @param serverName  tls_servername, or null
 * @param tlsUpstreams each DNS-over-TLS address to its own name, or "" when it has none
 */
record ForwardTls(SSLContext context, String serverName, Map<InetSocketAddress, String> tlsUpstreams) {
    ForwardTls {
        tlsUpstreams = Map.copyOf(tlsUpstreams);
    }

    /** The TLS client for {@code a}, or null when {@code a} is plain DNS. */
    TlsClient client(InetSocketAddress a) {
        String own = tlsUpstreams.get(a);
        if (own == null) {
            return null;
        }
        return new TlsClient(context, own.isEmpty() ? serverName : own);
    }
}
