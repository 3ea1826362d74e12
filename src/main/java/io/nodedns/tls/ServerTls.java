package io.nodedns.tls;

import java.io.IOException;
import java.net.Socket;
import java.util.List;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;

/**
 * The server side of a {@code tls} directive (CoreDNS plugin/tls): the certificate context and the
 * client authentication policy, Go's ClientAuthType by its Corefile name.
 *
 * @param context    presents the server's certificate; verifies client certificates where the policy does
 * @param clientAuth nocert, request, require, verify_if_given or require_and_verify
 */
public record ServerTls(SSLContext context, String clientAuth) {
    /** The Corefile names of Go's ClientAuthType values, in Go's order. */
    public static final List<String> CLIENT_AUTH = List.of("nocert", "request", "require", "verify_if_given",
            "require_and_verify");

    /** Whether the policy checks a client certificate against the CA (else any certificate is taken as given). */
    public static boolean verifies(String clientAuth) {
        return clientAuth.equals("verify_if_given") || clientAuth.equals("require_and_verify");
    }

    /**
     * Wraps an accepted socket as the server end, TLS 1.2 or later (CoreDNS's minimum); the
     * handshake runs at the first read. {@code alpn} lists the application protocols offered
     * (RFC 7301), none for DNS over TLS.
     */
    public SSLSocket wrap(Socket accepted, String... alpn) throws IOException {
        SSLSocket s = (SSLSocket) context.getSocketFactory().createSocket(accepted, null, true);
        s.setUseClientMode(false);
        SSLParameters p = s.getSSLParameters();
        p.setProtocols(new String[]{"TLSv1.3", "TLSv1.2"});
        switch (clientAuth) {
            case "request", "verify_if_given" -> p.setWantClientAuth(true);
            case "require", "require_and_verify" -> p.setNeedClientAuth(true);
            default -> p.setNeedClientAuth(false);
        }
        if (alpn.length > 0) {
            p.setApplicationProtocols(alpn);
        }
        s.setSSLParameters(p);
        return s;
    }
}
