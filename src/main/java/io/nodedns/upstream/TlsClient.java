package io.nodedns.upstream;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.security.cert.CertificateException;
import java.util.List;
import javax.net.ssl.SNIHostName;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.SSLSocketFactory;

/**
 * The client side of DNS over TLS (RFC 7858) to one upstream: the forwarder's context (its roots
 * and optional client certificate) and the name the server's certificate must carry. Without a
 * server name the certificate must name the upstream's IP address (an IP SAN), as Go's crypto/tls
 * checks when the name is left empty. TLS 1.2 is the minimum, as in CoreDNS.
 *
 * @param serverName the name to verify and send as SNI, or null to verify the IP address
 */
public record TlsClient(SSLContext context, String serverName) {
    private static final String[] PROTOCOLS = {"TLSv1.3", "TLSv1.2"};

    /** The name the certificate is checked against for {@code address}. */
    public String expectedName(InetSocketAddress address) {
        return serverName != null ? serverName : address.getAddress().getHostAddress();
    }

    /**
     * Runs the handshake over a connected socket; on return the certificate chain and name have
     * been verified. The returned socket closes {@code plain} with it.
     *
     * @throws IOException a "dial tcp-tls" error naming the address, the name and the reason
     */
    public SSLSocket handshake(Socket plain, InetSocketAddress address, int timeoutMillis) throws IOException {
        SSLSocketFactory f = context.getSocketFactory();
        String name = expectedName(address);
        // the peer host given here is what the JDK verifies when SNI cannot carry the name (an IP)
        SSLSocket s = (SSLSocket) f.createSocket(plain, name, address.getPort(), true);
        SSLParameters p = s.getSSLParameters();
        p.setEndpointIdentificationAlgorithm("HTTPS"); // RFC 2818/6125 name check against SAN DNS and IP entries
        p.setProtocols(PROTOCOLS);
        if (serverName != null && !isIpLiteral(serverName)) {
            p.setServerNames(List.of(new SNIHostName(serverName)));
        }
        s.setSSLParameters(p);
        try {
            s.setSoTimeout(Math.max(1, timeoutMillis));
            s.startHandshake();
            return s;
        } catch (IOException e) {
            TcpPool.closeQuietly(s);
            throw new TlsHandshakeException("dial tcp-tls " + Upstream.label(address) + ": tls: " + reason(e, name), e);
        }
    }

    /** The innermost cause's words; certificate problems (chain, name, validity) say so first. */
    private static String reason(IOException e, String name) {
        Throwable root = e;
        boolean certificate = false;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
            certificate |= root instanceof CertificateException;
        }
        String m = root.getMessage() != null ? root.getMessage() : root.getClass().getSimpleName();
        if (certificate) {
            return "failed to verify certificate for " + name + ": " + m;
        }
        if (e instanceof java.net.SocketTimeoutException) {
            return "handshake timed out";
        }
        return "handshake failed: " + m;
    }

    static boolean isIpLiteral(String s) {
        return s.indexOf(':') >= 0 || s.matches("[0-9.]+");
    }

    /** A failed TLS handshake: the connection is up but the upstream's certificate or TLS failed. */
    public static final class TlsHandshakeException extends IOException {
        TlsHandshakeException(String message, Throwable cause) {
            super(message, cause);
        }
    }
}
