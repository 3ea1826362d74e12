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
    /**
     * Sessions the context keeps for clients that resume by session ID (TLS 1.2 without tickets),
     * at most. The JDK's default is 20,480 for 24 h, about 20 MiB of heap at about 1 KiB a session;
     * TLS 1.3 and ticket-taking TLS 1.2 clients resume from stateless tickets (RFC 8446 4.6.1,
     * RFC 5077), which cost the server nothing, as Go's (CoreDNS's) server does for all of them.
     */
    public static final int SESSION_CACHE = 256;

    public ServerTls {
        context.getServerSessionContext().setSessionCacheSize(SESSION_CACHE);
    }

    /** The Corefile names of Go's ClientAuthType values, in Go's order. */
    public static final List<String> CLIENT_AUTH = List.of("nocert", "request", "require", "verify_if_given",
            "require_and_verify");

    /** TLS versions served, newest first: CoreDNS's minimum is TLS 1.2. */
    public static final List<String> PROTOCOLS = List.of("TLSv1.3", "TLSv1.2");

    /** Whether the policy checks a client certificate against the CA (else any certificate is taken as given). */
    public static boolean verifies(String clientAuth) {
        return clientAuth.equals("verify_if_given") || clientAuth.equals("require_and_verify");
    }

    /** Whether a client must show a certificate to complete the handshake (Go's RequireAnyClientCert, RequireAndVerifyClientCert). */
    public boolean needsClientCertificate() {
        return clientAuth.equals("require") || clientAuth.equals("require_and_verify");
    }

    /** Whether a client is asked for a certificate it may leave out (Go's RequestClientCert, VerifyClientCertIfGiven). */
    public boolean wantsClientCertificate() {
        return clientAuth.equals("request") || clientAuth.equals("verify_if_given");
    }

    /**
     * Wraps an accepted socket as the server end of DNS over TLS, TLS 1.2 or later (CoreDNS's
     * minimum); the handshake runs at the first read.
     */
    public SSLSocket wrap(Socket accepted) throws IOException {
        SSLSocket s = (SSLSocket) context.getSocketFactory().createSocket(accepted, null, true);
        s.setUseClientMode(false);
        SSLParameters p = s.getSSLParameters();
        p.setProtocols(PROTOCOLS.toArray(new String[0]));
        if (needsClientCertificate()) {
            p.setNeedClientAuth(true);
        } else {
            p.setWantClientAuth(wantsClientCertificate());
        }
        s.setSSLParameters(p);
        return s;
    }
}
